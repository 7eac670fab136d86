# Runs flatc on the schema for every language FlatBuffers users are likely to
# pick (docs/protocol.md, section 12): a schema only C++ accepts fails here.
#   cmake -DFLATC=... -DSCHEMA=... -DOUT=... -P flatc_languages.cmake
foreach(language python go rust java ts csharp)
  set(out ${OUT}/${language})
  file(REMOVE_RECURSE ${out})
  file(MAKE_DIRECTORY ${out})
  execute_process(COMMAND ${FLATC} --${language} -o ${out} ${SCHEMA}
                  RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE errors)
  file(GLOB_RECURSE generated ${out}/*)
  list(LENGTH generated count)
  if(NOT result EQUAL 0 OR count EQUAL 0)
    message(FATAL_ERROR "flatc --${language} ${SCHEMA} failed (exit ${result}, ${count} files):\n${output}${errors}")
  endif()
  message(STATUS "flatc --${language}: ${count} files in ${out}")
endforeach()
