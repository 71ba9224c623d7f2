# SPDX-License-Identifier: Apache-2.0
# Sanitizer builds: the CLI may meet libregf's one known leak on damaged hives (the
# suppression file says which); every other leak still fails the run.
set(KB_INTEGRATION_ENV "KB_FIXTURE_DIR=${KB_FIXTURE_DIR}")
if(KB_SANITIZE)
  list(APPEND KB_INTEGRATION_ENV
       "LSAN_OPTIONS=suppressions=${PROJECT_SOURCE_DIR}/tests/unit/data/hive.lsan.supp")
endif()

# One test per fixture scenario: the real CLI on every container of it (scan_scenario.py).
file(GLOB KB_SCENARIO_FILES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/fixtures/scenarios/*.scn)
foreach(scenario_file IN LISTS KB_SCENARIO_FILES)
  get_filename_component(scenario ${scenario_file} NAME_WE)
  add_test(NAME integration.scan.${scenario}
    COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/scan_scenario.py
            --kbprobe $<TARGET_FILE:kbprobe> --fixture-dir ${KB_FIXTURE_DIR} ${scenario})
  set_tests_properties(integration.scan.${scenario} PROPERTIES
    FIXTURES_REQUIRED images LABELS integration TIMEOUT 900
    ENVIRONMENT "${KB_INTEGRATION_ENV}")
endforeach()

add_test(NAME integration.candidate
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/candidate.py
          --kbprobe $<TARGET_FILE:kbprobe> --fixture-dir ${KB_FIXTURE_DIR})
set_tests_properties(integration.candidate PROPERTIES
  FIXTURES_REQUIRED images LABELS integration TIMEOUT 300
  ENVIRONMENT "${KB_INTEGRATION_ENV}")

add_test(NAME integration.cli
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/cli.py --kbprobe $<TARGET_FILE:kbprobe>)
set_tests_properties(integration.cli PROPERTIES LABELS integration TIMEOUT 120
  ENVIRONMENT "${KB_INTEGRATION_ENV}")
