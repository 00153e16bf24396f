# The training engine (issue 4): libactlab_nn (include/actlab/nn.h), the train / evaluate /
# export-torch subcommands and the nn tests. Needs OpenBLAS (CBLAS), zlib and jansson from Debian
# (scripts/deps.sh installs them).
# On by default; off by default when cross-compiling (the NEON test build has no aarch64 OpenBLAS,
# zlib or jansson in its sysroot).
if(CMAKE_CROSSCOMPILING)
  set(NN_ENGINE_DEFAULT OFF)
else()
  set(NN_ENGINE_DEFAULT ON)
endif()
option(ACTLAB_ENGINE "Build the training engine" ${NN_ENGINE_DEFAULT})

if(ACTLAB_ENGINE)
  find_path(NN_CBLAS_INCLUDE cblas.h PATH_SUFFIXES openblas REQUIRED)
  find_library(NN_OPENBLAS_LIB openblas REQUIRED)
  find_package(ZLIB REQUIRED)
  find_path(NN_JANSSON_INCLUDE jansson.h REQUIRED)
  find_library(NN_JANSSON_LIB jansson REQUIRED)

  add_library(actlab_nn STATIC
    src/nn/core.c
    src/nn/parallel.c
    src/nn/spec.c
    src/nn/model.c
    src/nn/dense.c
    src/nn/sparse.c
    src/nn/conv2d.c
    src/nn/pool.c
    src/nn/loss.c
    src/nn/init.c
    src/nn/optim.c
    src/nn/train.c
    src/nn/checkpoint.c
    src/data/idx.c
    src/data/npy.c
    src/data/dataset.c
  )
  # The sparse products' kernels are AVX2 + FMA, on x86-64 only; dispatch (sparse.c) uses them
  # only when act_isa() reports AVX2 or above.
  if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64|amd64")
    target_sources(actlab_nn PRIVATE src/nn/sparse-avx2.c)
    set_source_files_properties(src/nn/sparse-avx2.c PROPERTIES COMPILE_OPTIONS "-mavx2;-mfma")
    set_source_files_properties(src/nn/sparse.c PROPERTIES COMPILE_DEFINITIONS NN_SPARSE_AVX2)
  endif()
  target_include_directories(actlab_nn
    PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include
    PRIVATE ${NN_CBLAS_INCLUDE} ${NN_JANSSON_INCLUDE} ${CMAKE_CURRENT_SOURCE_DIR}/src/nn)
  # GCC's -O2 vectorizes only loops without an epilogue; the engine's flat loops (optimizers,
  # elementwise layers) need the cheap model. Never fast-math: it would change NaN handling.
  if(CMAKE_C_COMPILER_ID STREQUAL "GNU")
    target_compile_options(actlab_nn PRIVATE -fvect-cost-model=cheap)
  endif()
  target_link_libraries(actlab_nn PUBLIC actlab_static ${NN_OPENBLAS_LIB} ZLIB::ZLIB ${NN_JANSSON_LIB} ${M_LIB}
    Threads::Threads)
  install(FILES include/actlab/nn.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/actlab)
  # The engine installs as a static library with its own relocatable actlab-nn.pc (as actlab.pc):
  # `pkg-config --cflags --libs actlab-nn` gives it, its Debian dependencies and libactlab.
  install(TARGETS actlab_nn ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
  configure_file(cmake/actlab-nn.pc.in ${CMAKE_CURRENT_BINARY_DIR}/actlab-nn.pc @ONLY)
  install(FILES ${CMAKE_CURRENT_BINARY_DIR}/actlab-nn.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

  file(GLOB NN_CLI_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/src/cli/nn/*.c)
  list(APPEND ACTLAB_CLI_EXTRA_SOURCES ${NN_CLI_SOURCES})
  list(APPEND ACTLAB_CLI_EXTRA_LIBS actlab_nn)
  # The command sees the engine's subcommands in commands.inc only with this definition.
  list(APPEND ACTLAB_CLI_DEFS ACTLAB_ENGINE)
  list(APPEND ACTLAB_CLI_INCLUDES ${CMAKE_CURRENT_SOURCE_DIR}/src/cli/nn)

  # Tests (label nn): the whole set runs in well under a minute in Release. enable_testing() here
  # because the top level calls it only after this file, and add_test needs it first.
  enable_testing()
  set(NN_TESTS nn_layers nn_sparse nn_data nn_train nn_ckpt)
  foreach(t ${NN_TESTS})
    if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/tests/${t}.c)
      add_executable(${t} tests/${t}.c tests/harness.c)
      target_include_directories(${t} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/tests ${CMAKE_CURRENT_SOURCE_DIR}/src/nn)
      target_link_libraries(${t} PRIVATE actlab_nn)
      add_test(NAME ${t} COMMAND ${t} $<TARGET_FILE:actlab>)
      set_tests_properties(${t} PROPERTIES LABELS nn WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
    endif()
  endforeach()
  # The command under bad input and faults (tests/cli_robust.c): usage errors, bad files, a full
  # disk, out of memory (not under the sanitizers: they reserve more address space than the limit),
  # SIGKILL then --resume.
  add_executable(cli_robust tests/cli_robust.c tests/harness.c)
  target_include_directories(cli_robust PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/tests)
  target_link_libraries(cli_robust PRIVATE actlab_nn)
  if(ACTLAB_SANITIZE)
    set(CLI_ROBUST_FLAGS --no-rlimit-as)
  endif()
  add_test(NAME cli_robust COMMAND cli_robust $<TARGET_FILE:actlab> ${CLI_ROBUST_FLAGS})
  set_tests_properties(cli_robust PROPERTIES LABELS nn WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR} TIMEOUT 600)
endif()
