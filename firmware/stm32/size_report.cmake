# cmake -DSIZE=arm-none-eabi-size -DIMAGES=a.elf;b.elf -DOUT=budget.txt -P size_report.cmake
# Writes "image <path>" followed by `size -A` of each image.
file(WRITE ${OUT} "")
foreach(image ${IMAGES})
  execute_process(COMMAND ${SIZE} -A ${image} OUTPUT_VARIABLE sizes RESULT_VARIABLE status)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "${SIZE} failed on ${image}")
  endif()
  file(APPEND ${OUT} "image ${image}\n${sizes}\n")
endforeach()
