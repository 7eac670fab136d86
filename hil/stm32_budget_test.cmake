# cmake -DWORK=<scratch dir> -P stm32_budget_test.cmake
#
# Tests stm32_budget.cmake itself on doctored section-size reports built from the
# committed expectation: it passes on the expected sizes and within the tolerance,
# and fails, naming the figure and how to update it, on more than 3 % growth or
# shrinkage of code or RAM. Needs no firmware build.
set(check "${CMAKE_CURRENT_LIST_DIR}/stm32_budget.cmake")
include("${CMAKE_CURRENT_LIST_DIR}/stm32_size_expectation.cmake")
file(MAKE_DIRECTORY "${WORK}")
set(stack_reserve 8192)
set(failures 0)

# budget.txt in the layout size_report.cmake writes, one client image, with all of the
# code in .text and all of the RAM in .bss.
function(write_report path code ram)
  math(EXPR bss "${ram} - ${stack_reserve}")
  file(WRITE "${path}"
       "image /firmware/fedgate-stm32-shard0.elf\n"
       "/firmware/fedgate-stm32-shard0.elf  :\n"
       "section             size        addr\n"
       ".isr_vector            0   134217728\n"
       ".text           ${code}   134218240\n"
       ".fedgate_data    376800   134267744\n"
       ".bss            ${bss}   536871024\n"
       "Total             1\n\n")
endfunction()

# expect: "pass", or a regular expression the failure's output must match.
function(run_case label code ram expect)
  set(report "${WORK}/${label}.txt")
  write_report("${report}" ${code} ${ram})
  execute_process(COMMAND ${CMAKE_COMMAND} -DBUDGET=${report} -P ${check}
                  RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
  string(REGEX REPLACE "[ \n]+" " " output "${out}${err}")  # CMake wraps long messages
  set(ok 1)
  if(expect STREQUAL "pass")
    if(NOT status EQUAL 0)
      set(ok 0)
    endif()
  elseif(status EQUAL 0 OR NOT output MATCHES "${expect}")
    set(ok 0)
  endif()
  if(ok)
    message(STATUS "${label}: as expected")
  else()
    message(SEND_ERROR "${label}: expected ${expect}, got exit ${status}:\n${out}${err}")
    math(EXPR n "${failures} + 1")
    set(failures ${n} PARENT_SCOPE)
  endif()
endfunction()

math(EXPR code_up_2 "${expected_code} * 102 / 100")
math(EXPR code_up_5 "${expected_code} * 105 / 100")
math(EXPR code_down_5 "${expected_code} * 95 / 100")
math(EXPR ram_up_5 "${expected_ram} * 105 / 100")
run_case(expected ${expected_code} ${expected_ram} pass)
run_case(within_tolerance ${code_up_2} ${expected_ram} pass)
run_case(code_grew ${code_up_5} ${expected_ram}
         "flash code\\+constants grew to ${code_up_5} B, expected ${expected_code} B.*set expected_code")
run_case(code_shrank ${code_down_5} ${expected_ram} "shrank to ${code_down_5} B.*set expected_code")
run_case(ram_grew ${expected_code} ${ram_up_5} "RAM grew to ${ram_up_5} B.*set expected_ram")
if(failures GREATER 0)
  message(FATAL_ERROR "${failures} case(s) of the budget check misbehaved")
endif()
