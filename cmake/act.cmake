# libactlab: public header include/actlab/act.h; static and shared library; actlab.pc.
set(ACT_SOURCES
  src/act/api.c
  src/act/parse.c
  src/act/ref.c
  src/act/dispatch.c
  src/act/threads.c
  src/act/scalar/scalar.c
)
# ISA files: one per (op family, ISA); ISA flags go on these files only.
if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
  set(ACT_SSE2_SOURCES src/act/sse2/linear.c src/act/sse2/smooth.c)
  set(ACT_AVX2_SOURCES src/act/avx2/linear.c src/act/avx2/smooth.c src/act/avx2/fast.c)
  set(ACT_AVX512_SOURCES src/act/avx512/linear.c src/act/avx512/smooth.c src/act/avx512/fast.c)
  list(APPEND ACT_SOURCES ${ACT_SSE2_SOURCES} ${ACT_AVX2_SOURCES} ${ACT_AVX512_SOURCES})
  set_source_files_properties(${ACT_AVX2_SOURCES} PROPERTIES COMPILE_OPTIONS "-mavx2;-mfma")
  if(ACTLAB_AVX512_SIMDE)
    # Test-only (make test-avx512): the AVX-512 kernels over SIMDe's portable intrinsics, run on
    # AVX2+FMA, and dispatch treating such a CPU as having AVX-512 (src/act/dispatch.c).
    find_path(SIMDE_INCLUDE_DIR simde/x86/avx512.h REQUIRED)
    set_source_files_properties(${ACT_AVX512_SOURCES} PROPERTIES COMPILE_OPTIONS "-mavx2;-mfma;-Wno-psabi"
      INCLUDE_DIRECTORIES "${SIMDE_INCLUDE_DIR}")
    add_compile_definitions(ACTLAB_AVX512_SIMDE) # dispatch.c, and `actlab info` says so
  else()
    set_source_files_properties(${ACT_AVX512_SOURCES} PROPERTIES
      COMPILE_OPTIONS "-mavx512f;-mavx512bw;-mavx512dq;-mavx512vl;-mfma")
  endif()
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "aarch64|arm64|ARM64")
  # NEON (Advanced SIMD) is baseline on aarch64: no flags.
  list(APPEND ACT_SOURCES src/act/neon/linear.c src/act/neon/smooth.c)
endif()
# The reference must not contract a*b+c into fma: it is the oracle fast paths meet.
set_source_files_properties(src/act/ref.c src/act/scalar/scalar.c PROPERTIES COMPILE_OPTIONS "-ffp-contract=off")

add_library(actlab_obj OBJECT ${ACT_SOURCES})
target_include_directories(actlab_obj PUBLIC
  $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
  PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src/act)
set_target_properties(actlab_obj PROPERTIES POSITION_INDEPENDENT_CODE ON C_VISIBILITY_PRESET hidden)

add_library(actlab_static STATIC $<TARGET_OBJECTS:actlab_obj>)
add_library(actlab_shared SHARED $<TARGET_OBJECTS:actlab_obj>)
foreach(t actlab_static actlab_shared)
  set_target_properties(${t} PROPERTIES OUTPUT_NAME actlab)
  target_include_directories(${t} PUBLIC
    $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_link_libraries(${t} PUBLIC ${M_LIB} Threads::Threads)
endforeach()
set_target_properties(actlab_shared PROPERTIES VERSION ${PROJECT_VERSION} SOVERSION ${PROJECT_VERSION_MAJOR})

install(FILES include/actlab/act.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/actlab)
install(TARGETS actlab_static actlab_shared
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
# actlab.pc is relocatable: its prefix is found from its own place (${pcfiledir}), so
# `cmake --install build --prefix P` works for any P chosen at install time.
file(RELATIVE_PATH ACT_PC_TO_PREFIX /${CMAKE_INSTALL_LIBDIR}/pkgconfig /)
string(REGEX REPLACE "/$" "" ACT_PC_TO_PREFIX "${ACT_PC_TO_PREFIX}")
configure_file(cmake/actlab.pc.in ${CMAKE_CURRENT_BINARY_DIR}/actlab.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/actlab.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
