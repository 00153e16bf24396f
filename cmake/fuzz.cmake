# Fuzz harnesses (fuzz/fuzz_<name>.c, one per parser of outside input). Every build replays the
# seed corpus (fuzz/corpus/<name>) and the saved findings (fuzz/regressions/<name>) through each
# harness as a ctest (label fuzz); with -DACTLAB_FUZZ=ON (clang) each harness is also a libFuzzer
# binary, which scripts/fuzz.sh runs for a bounded time.

# actlab_fuzzer(<name> LIBS <libs>...)
function(actlab_fuzzer name)
  cmake_parse_arguments(F "" "" "LIBS" ${ARGN})
  set(src ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/fuzz_${name}.c)
  add_executable(fuzz_${name}_replay ${src} ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/driver.c)
  target_include_directories(fuzz_${name}_replay PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/fuzz)
  target_link_libraries(fuzz_${name}_replay PRIVATE ${F_LIBS})
  add_test(NAME fuzz_${name}_replay COMMAND fuzz_${name}_replay
           ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/corpus/${name} ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/regressions/${name})
  set_tests_properties(fuzz_${name}_replay PROPERTIES LABELS "fuzz")
  if(ACTLAB_FUZZ)
    add_executable(fuzz_${name} ${src})
    target_include_directories(fuzz_${name} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/fuzz)
    target_link_libraries(fuzz_${name} PRIVATE ${F_LIBS})
    target_link_options(fuzz_${name} PRIVATE -fsanitize=fuzzer)
  endif()
endfunction()

actlab_fuzzer(act_parse LIBS actlab_static)
actlab_fuzzer(cli LIBS actlab_cli)
if(TARGET actlab_nn)
  foreach(h idx npy safetensors model_spec)
    if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/fuzz_${h}.c)
      actlab_fuzzer(${h} LIBS actlab_nn)
    endif()
  endforeach()
endif()
