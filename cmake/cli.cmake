# The actlab command: the subcommands (one cmd-<name>.c each, commands.inc) and their dispatch
# form the static library actlab_cli, which the fuzz harness of the argument handling also
# links; src/cli/main.c is only main(). nn.cmake, lab.cmake and bench.cmake, included before
# this file, add sources, libraries, definitions and include folders through ACTLAB_CLI_*.
file(GLOB ACTLAB_CLI_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/src/cli/*.c)
list(REMOVE_ITEM ACTLAB_CLI_SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/src/cli/main.c)
add_library(actlab_cli STATIC ${ACTLAB_CLI_SOURCES} ${ACTLAB_CLI_EXTRA_SOURCES})
target_link_libraries(actlab_cli PUBLIC actlab_static ${ACTLAB_CLI_EXTRA_LIBS})
target_compile_definitions(actlab_cli PUBLIC ${ACTLAB_CLI_DEFS})
target_include_directories(actlab_cli PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src/cli ${CMAKE_CURRENT_SOURCE_DIR}/src/act
  ${ACTLAB_CLI_INCLUDES})
add_executable(actlab ${CMAKE_CURRENT_SOURCE_DIR}/src/cli/main.c)
target_link_libraries(actlab PRIVATE actlab_cli)
install(TARGETS actlab RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
