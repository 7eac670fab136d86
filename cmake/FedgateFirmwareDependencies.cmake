# What the bare-metal firmware build needs from the host, all header-only or
# host programs (Debian packages; nothing is downloaded):
#  - Eigen (libeigen3-dev): its own directory, safe to put on the cross include path.
#  - FlatBuffers (libflatbuffers-dev): lives in /usr/include beside the host's C
#    library headers, which must not shadow newlib's; a directory in the build
#    tree with a link to just flatbuffers/ is put on the include path instead.
#  - flatc (flatbuffers-compiler), run on the build host.
find_path(FEDGATE_EIGEN_INCLUDE_DIR signature_of_eigen3_matrix_library
          PATHS /usr/include/eigen3 /usr/local/include/eigen3 NO_CMAKE_FIND_ROOT_PATH REQUIRED)
add_library(Eigen3::Eigen INTERFACE IMPORTED)
target_include_directories(Eigen3::Eigen SYSTEM INTERFACE ${FEDGATE_EIGEN_INCLUDE_DIR})
# No hidden heap use on the device (a fixed-size or mapped Eigen never allocates).
# newlib defines no `alloca` unless <alloca.h> is included, and Eigen then puts a
# product's temporary blocks on the heap: give it the builtin, and cap such stack
# blocks at 16 KB (anything larger would reach malloc, fail and be counted).
target_compile_definitions(Eigen3::Eigen INTERFACE EIGEN_NO_MALLOC EIGEN_ALLOCA=__builtin_alloca
                           EIGEN_STACK_ALLOCATION_LIMIT=16384)

find_path(FEDGATE_FLATBUFFERS_INCLUDE_DIR flatbuffers/flatbuffers.h PATHS /usr/include /usr/local/include
          NO_CMAKE_FIND_ROOT_PATH REQUIRED)
set(fedgate_fb_dir ${CMAKE_BINARY_DIR}/firmware-include)
file(MAKE_DIRECTORY ${fedgate_fb_dir})
if(NOT EXISTS ${fedgate_fb_dir}/flatbuffers)
  file(CREATE_LINK ${FEDGATE_FLATBUFFERS_INCLUDE_DIR}/flatbuffers ${fedgate_fb_dir}/flatbuffers SYMBOLIC)
endif()
add_library(flatbuffers::flatbuffers INTERFACE IMPORTED)
target_include_directories(flatbuffers::flatbuffers SYSTEM INTERFACE ${fedgate_fb_dir})
# FlatBuffers' own asserts and its optional std::string paths stay out of the image.
target_compile_definitions(flatbuffers::flatbuffers INTERFACE FLATBUFFERS_ASSERT=static_cast<void>)

find_program(FLATC_EXECUTABLE flatc REQUIRED NO_CMAKE_FIND_ROOT_PATH)
