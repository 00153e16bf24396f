# libactlab tests: each binary prints "N passed, N failed, N skipped" and exits non-zero on failure.
# `ctest -LE slow` is the CI suite; `ctest -L slow` runs the exhaustive 2^32-input sweeps (hours).

# The harness, the long double oracle and the shared helpers, built once for all test binaries.
add_library(actlab_testsupport STATIC tests/harness.c tests/oracle.c tests/testutil.c)
target_include_directories(actlab_testsupport PUBLIC
  ${CMAKE_CURRENT_SOURCE_DIR}/include
  ${CMAKE_CURRENT_SOURCE_DIR}/src/act
  ${CMAKE_CURRENT_SOURCE_DIR}/tests)
target_link_libraries(actlab_testsupport PUBLIC actlab_static ${M_LIB})

# actlab_test(<name> [LIBS <lib>...]): build tests/<name>.c and register it as a ctest of that name.
function(actlab_test name)
  cmake_parse_arguments(T "" "" "LIBS" ${ARGN})
  add_executable(${name} tests/${name}.c)
  target_link_libraries(${name} PRIVATE actlab_testsupport ${T_LIBS})
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS "act" TIMEOUT 600)
endfunction()

actlab_test(test_special)
actlab_test(test_kernels)
actlab_test(test_api)
actlab_test(test_parse)
actlab_test(test_grad)
actlab_test(test_prelu)
actlab_test(test_stats)
actlab_test(test_stream)
actlab_test(test_threads)
actlab_test(test_isa_agree)
actlab_test(test_position)
actlab_test(test_sweep LIBS Threads::Threads)
actlab_test(test_round)

# The same binary over all 2^32 bit patterns per op and direction, on 2 threads.
add_test(NAME test_sweep_exhaustive COMMAND test_sweep --exhaustive)
set_tests_properties(test_sweep_exhaustive PROPERTIES LABELS "act;slow" TIMEOUT 172800)
add_test(NAME test_round_exhaustive COMMAND test_round --exhaustive)
set_tests_properties(test_round_exhaustive PROPERTIES LABELS "act;slow" TIMEOUT 172800)


# n > 2^31 elements (8.6 GB per buffer): slow, not in CI.
actlab_test(test_huge)
set_tests_properties(test_huge PROPERTIES LABELS "act;slow")

# ulpsweep: this build's worst error over every float x for one parameter set (a developer tool that
# measures; not a ctest: see tests/ulpsweep.c).
add_executable(ulpsweep tests/ulpsweep.c)
target_link_libraries(ulpsweep PRIVATE actlab_testsupport Threads::Threads)

# bitcmp: two builds of the library compared bit for bit over all 2^32 inputs (a developer tool
# for result-preserving changes; not a ctest, it needs two builds: see tests/bitcmp.c).
add_executable(bitcmp tests/bitcmp.c)
target_include_directories(bitcmp PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/include)
target_link_libraries(bitcmp PRIVATE ${CMAKE_DL_LIBS})
