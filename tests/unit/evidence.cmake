# SPDX-License-Identifier: Apache-2.0
# test_image, test_volume and test_fs read small disk images made at build time by
# tests/unit/data/mkevidence.sh (mkntfs, ntfsbuild over libntfs-3g, sfdisk, qemu-img,
# ewfacquire, split) into ${PROJECT_BINARY_DIR}/tests/unit/evidence-data, found through
# KB_BUILD_DIR. The Sleuth Kit's mmls/fls/icat are the oracle the tests compare against.
set(KB_EVIDENCE_DATA_DIR ${PROJECT_BINARY_DIR}/tests/unit/evidence-data)
set(KB_EVIDENCE_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/data/mkevidence.sh)
add_custom_command(
  OUTPUT ${KB_EVIDENCE_DATA_DIR}/stamp
  COMMAND /bin/sh ${KB_EVIDENCE_SCRIPT} ${KB_EVIDENCE_DATA_DIR} ${PROJECT_SOURCE_DIR}
  DEPENDS ${KB_EVIDENCE_SCRIPT} ${PROJECT_SOURCE_DIR}/fixtures/factory/ntfsbuild.c
  COMMENT "mkevidence: NTFS test images"
  VERBATIM)
add_custom_target(test_evidence_data DEPENDS ${KB_EVIDENCE_DATA_DIR}/stamp)
foreach(test test_image test_volume test_fs)
  if(TARGET ${test})
    add_dependencies(${test} test_evidence_data)
  endif()
endforeach()

# The libewf-before-libbfio link order E01 needs comes with kbprobe_lib (third_party/CMakeLists.txt).
# test_image reads a hive from test_hive's data while an E01 and a QCOW2 chain are open (the
# libbfio copies of libewf, libqcow and libvhdi: third_party/CMakeLists.txt).
if(TARGET test_image)
  add_dependencies(test_image test_hive_data)
endif()
