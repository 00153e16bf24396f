# The claims lab (issue 5): `actlab claims` (src/lab/, src/cli/lab/cmd-claims.c) and its tests
# (label lab). Needs the training engine (ACTLAB_ENGINE) and reuses actlab bench's harness and
# peers (cmake/bench.cmake) for claim 1. Plots need gnuplot at run time (Debian gnuplot-nox), not
# at build time. Included after cmake/nn.cmake and before cmake/cli.cmake: it appends to
# ACTLAB_CLI_EXTRA_SOURCES.
option(ACTLAB_LAB "Build the claims lab (actlab claims); needs ACTLAB_ENGINE" ${ACTLAB_ENGINE})

if(ACTLAB_LAB)
  if(NOT ACTLAB_ENGINE)
    message(FATAL_ERROR "ACTLAB_LAB needs the training engine: configure with -DACTLAB_ENGINE=ON")
  endif()
  file(GLOB LAB_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/src/lab/*.c)
  list(APPEND ACTLAB_CLI_EXTRA_SOURCES ${LAB_SOURCES} ${CMAKE_CURRENT_SOURCE_DIR}/src/cli/lab/cmd-claims.c)
  # Claim 1 runs PyTorch's side through the bench script of this source tree, when present.
  set_source_files_properties(${CMAKE_CURRENT_SOURCE_DIR}/src/lab/speed.c PROPERTIES
    COMPILE_DEFINITIONS "LAB_BENCH_DIR=\"${CMAKE_CURRENT_SOURCE_DIR}/bench\"")
  list(APPEND ACTLAB_CLI_DEFS ACTLAB_LAB)
  list(APPEND ACTLAB_CLI_INCLUDES ${CMAKE_CURRENT_SOURCE_DIR}/src/lab ${CMAKE_CURRENT_SOURCE_DIR}/src/cli/nn)

  # Tests (label lab): the verdict rules on synthetic metrics and the saved runs on synthetic runs
  # (no data needed), and a tiny end-to-end run of the actlab command with the report and its PNGs (skipped without the data
  # or gnuplot).
  enable_testing()
  add_executable(lab_rules tests/lab_rules.c tests/harness.c src/lab/rules.c)
  target_include_directories(lab_rules PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/tests ${CMAKE_CURRENT_SOURCE_DIR}/src/lab)
  target_link_libraries(lab_rules PRIVATE actlab_nn ${M_LIB})
  add_test(NAME lab_rules COMMAND lab_rules)
  # Saved runs (src/lab/run-file.c): exact round trip, and damaged or mismatched files rejected.
  add_executable(lab_cache tests/lab_cache.c tests/harness.c src/lab/run-file.c)
  target_include_directories(lab_cache PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/tests ${CMAKE_CURRENT_SOURCE_DIR}/src/lab)
  target_link_libraries(lab_cache PRIVATE actlab_nn ${M_LIB})
  add_test(NAME lab_cache COMMAND lab_cache ${CMAKE_CURRENT_BINARY_DIR}/lab-cache-out)
  add_executable(lab_e2e tests/lab_e2e.c tests/harness.c)
  target_include_directories(lab_e2e PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/tests ${CMAKE_CURRENT_SOURCE_DIR}/include)
  add_test(NAME lab_e2e COMMAND lab_e2e $<TARGET_FILE:actlab> ${CMAKE_CURRENT_BINARY_DIR}/lab-e2e-out)
  set_tests_properties(lab_rules lab_cache lab_e2e PROPERTIES LABELS lab)
  set_tests_properties(lab_e2e PROPERTIES TIMEOUT 300)
endif()
