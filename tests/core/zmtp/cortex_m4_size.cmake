# Compiles the ZMTP client for Cortex-M4 with the firmware's flags and checks its flash budget.
#   cmake -DCXX=arm-none-eabi-g++ -DSIZE=arm-none-eabi-size -DSOURCE_DIR=<repo> -DWORK_DIR=<dir>
#         -DBUDGET=<bytes> -P cortex_m4_size.cmake
set(flags -std=c++17 -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16 -Os
          -fno-exceptions -fno-rtti -fno-threadsafe-statics -ffunction-sections -fdata-sections
          -Wall -Wextra -Wpedantic -Wshadow -Werror -I${SOURCE_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})
set(objects)
foreach(name client greeting_scanner wire)
  execute_process(
    COMMAND ${CXX} ${flags} -c ${SOURCE_DIR}/core/zmtp/${name}.cc -o ${WORK_DIR}/${name}.o
    RESULT_VARIABLE result)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "core/zmtp/${name}.cc does not build for Cortex-M4")
  endif()
  list(APPEND objects ${WORK_DIR}/${name}.o)
endforeach()
execute_process(COMMAND ${SIZE} -t ${objects} OUTPUT_VARIABLE table RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "${SIZE} failed")
endif()
message("${table}")
string(REGEX MATCH "\n *([0-9]+)[ \t]+([0-9]+)[ \t]+([0-9]+)[^\n]*\\(TOTALS\\)" _ "${table}")
set(text ${CMAKE_MATCH_1})
set(data ${CMAKE_MATCH_2})
set(bss ${CMAKE_MATCH_3})
if(NOT text)
  message(FATAL_ERROR "could not read the totals from:\n${table}")
endif()
if(NOT data EQUAL 0 OR NOT bss EQUAL 0)
  message(FATAL_ERROR "the ZMTP client has static data (data ${data}, bss ${bss}); it must have none")
endif()
if(text GREATER BUDGET)
  message(FATAL_ERROR "ZMTP client text is ${text} bytes for Cortex-M4, over its ${BUDGET}-byte budget")
endif()
message("ZMTP client for Cortex-M4: ${text} bytes of text (budget ${BUDGET}), no data")
