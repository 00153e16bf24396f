# actlab bench (src/cli/cmd-bench.c + bench/): the harness, the plain-C-loop peer, and the oneDNN
# and XNNPACK peers when their Debian packages are installed (scripts/deps.sh bench). Included
# before cli.cmake: it appends to ACTLAB_CLI_EXTRA_SOURCES / ACTLAB_CLI_EXTRA_LIBS.
# -DACTLAB_BENCH_PEERS=OFF builds the command without looking for the libraries.
option(ACTLAB_BENCH_PEERS "Benchmark against oneDNN and XNNPACK when they are installed" ON)

set(BENCH_DIR ${CMAKE_CURRENT_SOURCE_DIR}/bench)
set(BENCH_SOURCES ${BENCH_DIR}/harness.c ${BENCH_DIR}/peers.c ${BENCH_DIR}/peer-naive.c)
set(BENCH_DEFS "")
set(BENCH_INCLUDES ${BENCH_DIR})

if(ACTLAB_BENCH_PEERS)
  # oneDNN (libdnnl-dev). Debian builds it with OpenMP: the peer sets its thread count with
  # omp_set_num_threads, so it links OpenMP too when CMake finds it.
  find_path(BENCH_DNNL_INCLUDE dnnl.h)
  find_library(BENCH_DNNL_LIB dnnl)
  if(BENCH_DNNL_INCLUDE AND BENCH_DNNL_LIB)
    list(APPEND BENCH_SOURCES ${BENCH_DIR}/peer-onednn.c)
    list(APPEND BENCH_DEFS ACTLAB_BENCH_ONEDNN)
    list(APPEND BENCH_INCLUDES ${BENCH_DNNL_INCLUDE})
    list(APPEND ACTLAB_CLI_EXTRA_LIBS ${BENCH_DNNL_LIB})
    find_package(OpenMP COMPONENTS C)
    if(OpenMP_C_FOUND)
      list(APPEND ACTLAB_CLI_EXTRA_LIBS OpenMP::OpenMP_C)
    endif()
    message(STATUS "actlab bench: oneDNN peer (${BENCH_DNNL_LIB})")
  else()
    message(STATUS "actlab bench: oneDNN not found (libdnnl-dev): that peer is absent")
  endif()

  # XNNPACK (libxnnpack-dev); its header includes pthreadpool.h (libpthreadpool-dev).
  find_path(BENCH_XNNPACK_INCLUDE xnnpack.h)
  find_path(BENCH_PTHREADPOOL_INCLUDE pthreadpool.h)
  find_library(BENCH_XNNPACK_LIB XNNPACK)
  find_library(BENCH_PTHREADPOOL_LIB pthreadpool)
  if(BENCH_XNNPACK_INCLUDE AND BENCH_PTHREADPOOL_INCLUDE AND BENCH_XNNPACK_LIB AND BENCH_PTHREADPOOL_LIB)
    list(APPEND BENCH_SOURCES ${BENCH_DIR}/peer-xnnpack.c)
    list(APPEND BENCH_DEFS ACTLAB_BENCH_XNNPACK)
    list(APPEND BENCH_INCLUDES ${BENCH_XNNPACK_INCLUDE} ${BENCH_PTHREADPOOL_INCLUDE})
    list(APPEND ACTLAB_CLI_EXTRA_LIBS ${BENCH_XNNPACK_LIB} ${BENCH_PTHREADPOOL_LIB})
    message(STATUS "actlab bench: XNNPACK peer (${BENCH_XNNPACK_LIB})")
  else()
    message(STATUS "actlab bench: XNNPACK not found (libxnnpack-dev libpthreadpool-dev): that peer is absent")
  endif()
endif()

set_source_files_properties(${BENCH_DIR}/peers.c PROPERTIES COMPILE_DEFINITIONS "${BENCH_DEFS}")
# The plain-C-loop peer gets the best the compiler does with portable C (-O3 vectorizes the
# branchy loops that -O2 leaves scalar); it is a peer, not part of the library.
set_source_files_properties(${BENCH_DIR}/peer-naive.c PROPERTIES COMPILE_OPTIONS -O3)
list(APPEND ACTLAB_CLI_EXTRA_SOURCES ${BENCH_SOURCES})
list(APPEND ACTLAB_CLI_INCLUDES ${BENCH_INCLUDES})

# The smoke test: every op, direction and peer on tiny sizes, one run (speed decides nothing).
# The top level calls enable_testing() after cli.cmake; add_test needs it first, and calling
# it twice is harmless.
enable_testing()
add_test(NAME bench_quick COMMAND actlab bench --quick)
set_tests_properties(bench_quick PROPERTIES LABELS bench TIMEOUT 120)
