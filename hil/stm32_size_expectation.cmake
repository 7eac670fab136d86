# What every STM32 client image is expected to take (hil/stm32_budget.cmake, the
# stm32_budget test): the check fails when an image is more than `size_tolerance_percent`
# above or below these figures, so the documented size cannot go stale. After a
# deliberate change, copy the figures the check prints here and into
# docs/deploy-stm32.md, docs/performance.md and README.md.
set(expected_code 50740)  # flash: vectors + .text + .ARM.exidx + .data initialisers
set(expected_ram 76808)   # .data + .bss + the 8 KB stack reserve
set(size_tolerance_percent 3)
