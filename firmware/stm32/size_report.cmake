# cmake -DSIZE=arm-none-eabi-size -DIMAGES=a.elf;b.elf -DOUT=budget.txt -P size_report.cmake
# Writes "image <path>" followed by `size -A` of each image, and prints each image's
# flash (code and constants) and RAM figures as hil/stm32_budget.cmake counts them.
file(WRITE ${OUT} "")
foreach(image ${IMAGES})
  execute_process(COMMAND ${SIZE} -A ${image} OUTPUT_VARIABLE sizes RESULT_VARIABLE status)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "${SIZE} failed on ${image}")
  endif()
  file(APPEND ${OUT} "image ${image}\n${sizes}\n")
  set(code 0)
  set(ram 8192)  # the stack reserve
  foreach(section isr_vector text ARM\\.exidx data bss)
    if(sizes MATCHES "\n\\.${section} +([0-9]+)")
      if(NOT section STREQUAL "bss")
        math(EXPR code "${code} + ${CMAKE_MATCH_1}")
      endif()
      if(section STREQUAL "data" OR section STREQUAL "bss")
        math(EXPR ram "${ram} + ${CMAKE_MATCH_1}")
      endif()
    endif()
  endforeach()
  get_filename_component(name ${image} NAME)
  message(STATUS "${name}: flash code+constants ${code} B, RAM ${ram} B with the 8 KB stack "
                 "reserve (ctest -R stm32_budget checks the client images)")
endforeach()
