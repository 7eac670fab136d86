# fedgate_flatbuffers_header(<target> <schema.fbs>)
# Runs flatc on the build host and exposes the generated header as
# "schemas/<name>_generated.h" through an INTERFACE target.
function(fedgate_flatbuffers_header target schema)
  get_filename_component(name ${schema} NAME_WE)
  set(out_dir ${CMAKE_BINARY_DIR}/generated/schemas)
  set(header ${out_dir}/${name}_generated.h)
  add_custom_command(
    OUTPUT ${header}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${out_dir}
    COMMAND ${FLATC_EXECUTABLE} --cpp --scoped-enums -o ${out_dir} ${schema}
    DEPENDS ${schema}
    COMMENT "flatc: generating ${name}_generated.h"
    VERBATIM)
  add_custom_target(${target}_gen DEPENDS ${header})
  add_library(${target} INTERFACE)
  add_dependencies(${target} ${target}_gen)
  target_include_directories(${target} INTERFACE ${CMAKE_BINARY_DIR}/generated)
  target_link_libraries(${target} INTERFACE flatbuffers::flatbuffers)
endfunction()
