# Every dependency comes from a Debian package (scripts/setup installs them);
# nothing is downloaded at configure or build time.
find_package(Eigen3 3.3 REQUIRED NO_MODULE)
if(CMAKE_CROSSCOMPILING)
  # Debian's FlatBuffers CMake package names the host's libflatbuffers.a; the
  # generated code needs only the (architecture-independent) headers.
  find_path(FLATBUFFERS_INCLUDE_DIR flatbuffers/flatbuffers.h REQUIRED)
  add_library(flatbuffers::flatbuffers INTERFACE IMPORTED)
  target_include_directories(flatbuffers::flatbuffers INTERFACE ${FLATBUFFERS_INCLUDE_DIR})
else()
  find_package(FlatBuffers REQUIRED)
endif()
find_package(ZLIB REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(ZMQ REQUIRED IMPORTED_TARGET libzmq)
find_package(CLI11 REQUIRED)
if(NOT FEDGATE_CLIENT_ONLY)
  find_package(tomlplusplus REQUIRED)
  # Gateway-side JSON (metrics, summaries) and the tests that read it.
  find_package(nlohmann_json 3 REQUIRED)
  # The gateway's levelled log (coordinator/logging.h).
  find_package(spdlog REQUIRED)
endif()
# flatc always runs on the build host, also in cross builds (-DFLATC_EXECUTABLE=
# names another one).
find_program(FLATC_EXECUTABLE flatc REQUIRED NO_CMAKE_FIND_ROOT_PATH)

if(FEDGATE_BUILD_TESTS OR FEDGATE_HIL)
  find_package(GTest REQUIRED)
endif()
