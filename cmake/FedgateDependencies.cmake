# Every dependency comes from a Debian package (scripts/setup installs them);
# nothing is downloaded at configure or build time.
find_package(Eigen3 3.3 REQUIRED NO_MODULE)
find_package(FlatBuffers REQUIRED)
find_package(ZLIB REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(ZMQ REQUIRED IMPORTED_TARGET libzmq)
find_package(tomlplusplus REQUIRED)
find_package(CLI11 REQUIRED)
find_program(FLATC_EXECUTABLE flatc REQUIRED)

if(FEDGATE_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
