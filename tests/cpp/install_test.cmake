# Installs ketasim into a scratch prefix, then configures, builds and runs examples/cpp against
# that prefix alone (find_package(ketasim)), as a downstream user would.
file(REMOVE_RECURSE ${SCRATCH})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${SCRATCH}/prefix
                RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "install failed: ${rc}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR}/examples/cpp -B ${SCRATCH}/build
                        -G ${GENERATOR} -DCMAKE_BUILD_TYPE=Release
                        -DCMAKE_PREFIX_PATH=${SCRATCH}/prefix
                RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "configuring examples/cpp against the installed package failed: ${rc}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${SCRATCH}/build RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "building examples/cpp against the installed package failed: ${rc}")
endif()
execute_process(COMMAND ${SCRATCH}/build/onset_compare RESULT_VARIABLE rc OUTPUT_VARIABLE out)
if(rc)
  message(FATAL_ERROR "examples/cpp onset_compare failed: ${rc}")
endif()
if(NOT out MATCHES "Cmax")
  message(FATAL_ERROR "onset_compare printed no table:\n${out}")
endif()
