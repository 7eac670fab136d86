# cmake -DBUDGET=<cortex-m4 build>/firmware/stm32/budget.txt -P stm32_budget.cmake
#       [-DEXPECTATION=<file>]   (default: stm32_size_expectation.cmake beside this script)
#
# Checks the STM32 client images (fedgate-stm32-*.elf but the test image) against
# their budgets (docs/deploy-stm32.md):
#   flash for code and constants (.isr_vector, .text, .ARM.exidx, and .data's
#     initial values, which live in flash) <= 64 KB; the .fedgate_data shard is
#     reported apart and only has to fit the part's flash with the code;
#   RAM (.data + .bss + the 8 KB stack reserve) <= 96 KB;
# and against the committed expectation: code or RAM more than 3 % away from it
# fails too (growth is a regression, shrinking leaves the documented figure stale).
set(flash_budget 65536)
set(ram_budget 98304)
set(stack_reserve 8192)
if(NOT EXISTS "${BUDGET}")
  message(FATAL_ERROR "${BUDGET} is missing: build the firmware with "
                      "`cmake --preset cortex-m4 && cmake --build --preset cortex-m4`")
endif()
if(NOT EXPECTATION)
  set(EXPECTATION "${CMAKE_CURRENT_LIST_DIR}/stm32_size_expectation.cmake")
endif()
include("${EXPECTATION}")
file(STRINGS "${BUDGET}" lines)
set(image "")
set(failures 0)
set(checked 0)

# Fails (sets bad in the caller) when `actual` is more than size_tolerance_percent
# away from `expected`, saying how to update the expectation if the change is meant.
macro(check_expectation name what actual expected variable)
  math(EXPR delta_tenths "(${actual} - ${expected}) * 1000 / ${expected}")
  math(EXPR high "${expected} * (100 + ${size_tolerance_percent})")
  math(EXPR low "${expected} * (100 - ${size_tolerance_percent})")
  math(EXPR scaled "${actual} * 100")
  set(direction "")
  if(scaled GREATER high)
    set(direction "grew")
  elseif(scaled LESS low)
    set(direction "shrank")
  endif()
  if(direction)
    fedgate_tenths(${delta_tenths} percent)
    if(direction STREQUAL "grew")
      set(otherwise
          "otherwise find what grew with `arm-none-eabi-nm --size-sort -C -S` and the .map file")
    else()
      set(otherwise "the documented figure is stale until then")
    endif()
    message(SEND_ERROR
      "${name}: ${what} ${direction} to ${actual} B, expected ${expected} B (${percent} %, "
      "tolerance ${size_tolerance_percent} %). If the change is deliberate, set ${variable} to "
      "${actual} in ${EXPECTATION} and update the figures in docs/deploy-stm32.md, "
      "docs/performance.md and README.md; ${otherwise}.")
    set(bad 1)
  endif()
endmacro()

# "12" -> "+1.2", "-7" -> "-0.7"
function(fedgate_tenths tenths out)
  set(sign "+")
  if(tenths LESS 0)
    set(sign "-")
    math(EXPR tenths "0 - ${tenths}")
  endif()
  math(EXPR whole "${tenths} / 10")
  math(EXPR frac "${tenths} % 10")
  set(${out} "${sign}${whole}.${frac}" PARENT_SCOPE)
endfunction()

function(check_image)
  if(image STREQUAL "" OR image MATCHES "tests\\.elf$")
    return()
  endif()
  math(EXPR code "${s_isr_vector} + ${s_text} + ${s_exidx} + ${s_data}")
  math(EXPR ram "${s_data} + ${s_bss} + ${stack_reserve}")
  get_filename_component(name "${image}" NAME)
  message(STATUS "${name}: flash code+constants ${code} B (budget ${flash_budget}), "
                 "data shard ${s_fedgate_data} B, RAM ${ram} B = data ${s_data} + bss ${s_bss} "
                 "+ stack reserve ${stack_reserve} (budget ${ram_budget}); expected "
                 "${expected_code} B and ${expected_ram} B within ${size_tolerance_percent} %")
  set(bad 0)
  if(code GREATER flash_budget)
    message(SEND_ERROR "${name}: code and constants take ${code} B of flash, budget ${flash_budget}")
    set(bad 1)
  endif()
  if(ram GREATER ram_budget)
    message(SEND_ERROR "${name}: RAM ${ram} B, budget ${ram_budget}")
    set(bad 1)
  endif()
  check_expectation("${name}" "flash code+constants" ${code} ${expected_code} expected_code)
  check_expectation("${name}" "RAM" ${ram} ${expected_ram} expected_ram)
  if(s_fedgate_data EQUAL 0)
    message(SEND_ERROR "${name}: no .fedgate_data section (the shard is missing)")
    set(bad 1)
  endif()
  math(EXPR n "${failures} + ${bad}")
  set(failures ${n} PARENT_SCOPE)
  math(EXPR n "${checked} + 1")
  set(checked ${n} PARENT_SCOPE)
endfunction()

macro(reset_sizes)
  foreach(s isr_vector text exidx data bss fedgate_data)
    set(s_${s} 0)
  endforeach()
endmacro()

reset_sizes()
foreach(line IN LISTS lines)
  if(line MATCHES "^image (.*)$")
    check_image()
    set(image "${CMAKE_MATCH_1}")
    reset_sizes()
  elseif(line MATCHES "^\\.isr_vector +([0-9]+)")
    set(s_isr_vector ${CMAKE_MATCH_1})
  elseif(line MATCHES "^\\.text +([0-9]+)")
    set(s_text ${CMAKE_MATCH_1})
  elseif(line MATCHES "^\\.ARM\\.exidx +([0-9]+)")
    set(s_exidx ${CMAKE_MATCH_1})
  elseif(line MATCHES "^\\.data +([0-9]+)")
    set(s_data ${CMAKE_MATCH_1})
  elseif(line MATCHES "^\\.bss +([0-9]+)")
    set(s_bss ${CMAKE_MATCH_1})
  elseif(line MATCHES "^\\.fedgate_data +([0-9]+)")
    set(s_fedgate_data ${CMAKE_MATCH_1})
  endif()
endforeach()
check_image()
if(checked EQUAL 0)
  message(FATAL_ERROR "no client image listed in ${BUDGET}")
endif()
if(failures GREATER 0)
  message(FATAL_ERROR "${failures} image(s) over budget or away from the expected size")
endif()
message(STATUS "${checked} image(s) within budget")
