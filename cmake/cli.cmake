# The actlab command: src/cli/main.c plus one cmd-<name>.c per subcommand (commands.inc).
file(GLOB ACTLAB_CLI_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/src/cli/*.c)
add_executable(actlab ${ACTLAB_CLI_SOURCES} ${ACTLAB_CLI_EXTRA_SOURCES})
target_link_libraries(actlab PRIVATE actlab_static ${ACTLAB_CLI_EXTRA_LIBS})
target_include_directories(actlab PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src/cli ${CMAKE_CURRENT_SOURCE_DIR}/src/act)
install(TARGETS actlab RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
