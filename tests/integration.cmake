# Integration tests run against one real control plane started by a CTest
# fixture (scripts/controlplane.sh) and stopped after the last of them.
set(SEALSYNC_CONTROLPLANE_DIR ${CMAKE_BINARY_DIR}/controlplane-state)
if(NOT TEST controlplane_start)
  add_test(NAME controlplane_start COMMAND bash -c
    "rm -rf '${SEALSYNC_CONTROLPLANE_DIR}' && bash '${PROJECT_SOURCE_DIR}/scripts/controlplane.sh' start '${SEALSYNC_CONTROLPLANE_DIR}'")
  add_test(NAME controlplane_stop COMMAND bash
    ${PROJECT_SOURCE_DIR}/scripts/controlplane.sh stop ${SEALSYNC_CONTROLPLANE_DIR})
  set_tests_properties(controlplane_start PROPERTIES FIXTURES_SETUP controlplane
    LABELS integration TIMEOUT 1800)
  set_tests_properties(controlplane_stop PROPERTIES FIXTURES_CLEANUP controlplane
    LABELS integration)
endif()

# sealsync_add_integration_test(NAME SOURCES... LIBS ...): tests share the
# control plane, so they run one at a time (RUN_SERIAL).
function(sealsync_add_integration_test name)
  cmake_parse_arguments(T "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${T_SOURCES} ${PROJECT_SOURCE_DIR}/tests/support/control_plane.cc)
  target_link_libraries(${name} PRIVATE ${T_LIBS} sealsync_kube
    sealsync_test_support GTest::gtest GTest::gtest_main)
  target_compile_definitions(${name} PRIVATE SEALSYNC_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES
    LABELS integration FIXTURES_REQUIRED controlplane RUN_SERIAL TRUE TIMEOUT 300
    ENVIRONMENT "SEALSYNC_CONTROLPLANE_DIR=${SEALSYNC_CONTROLPLANE_DIR}")
endfunction()
