# SPDX-License-Identifier: Apache-2.0
# Fleet scale (issue 4): scan batches, worker isolation, --output/--resume, sharding, merge,
# JUnit/SARIF (batch.py); the GNU parallel recipe of docs/fleet.md run for real
# (batch_parallel.sh); the CI snippet of docs/ci.md run for real (batch_ci.sh).
set(KB_BATCH_ARGS --kbprobe $<TARGET_FILE:kbprobe> --fixture-dir ${KB_FIXTURE_DIR})
if(KB_FAULT_INJECTION)
  list(APPEND KB_BATCH_ARGS --fault-injection)
endif()
if(KB_SANITIZE)
  list(APPEND KB_BATCH_ARGS --sanitized)
endif()
add_test(NAME integration.batch
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/batch.py ${KB_BATCH_ARGS})
set_tests_properties(integration.batch PROPERTIES
  FIXTURES_REQUIRED images LABELS "integration;batch" TIMEOUT 1800
  ENVIRONMENT "${KB_INTEGRATION_ENV}")

find_program(KB_GNU_PARALLEL parallel)
if(KB_GNU_PARALLEL)
  add_test(NAME integration.batch_parallel
    COMMAND ${CMAKE_CURRENT_LIST_DIR}/batch_parallel.sh $<TARGET_FILE:kbprobe> ${KB_FIXTURE_DIR}
            ${PROJECT_SOURCE_DIR}/docs/fleet.md)
  set_tests_properties(integration.batch_parallel PROPERTIES
    FIXTURES_REQUIRED images LABELS "integration;batch" TIMEOUT 900
    ENVIRONMENT "${KB_INTEGRATION_ENV};PARALLEL=--will-cite")
endif()

# The CI snippet of docs/ci.md, run in a fresh copy of the tree (it builds kbprobe there).
find_program(KB_JQ jq)
if(KB_JQ)
  add_test(NAME integration.batch_ci
    COMMAND ${CMAKE_CURRENT_LIST_DIR}/batch_ci.sh ${PROJECT_SOURCE_DIR} ${KB_FIXTURE_DIR})
  set_tests_properties(integration.batch_ci PROPERTIES
    FIXTURES_REQUIRED images LABELS "integration;batch" TIMEOUT 1200 RUN_SERIAL ON)
endif()
