# SPDX-License-Identifier: Apache-2.0
# test_pe reads real PE files built here by fixtures/factory/mkpe (mingw-w64 windres, dlltool,
# gcc; run with the system python3) into ${PROJECT_BINARY_DIR}/tests/unit/pe-data, found
# through KB_BUILD_DIR. Each file's recipe is its argument list below; test_pe.c asserts the
# same values. tests/unit/pe_exiftool.py compares exiftool's reading of each file with
# pe_dump's (kbprobe's parser), as the ctest test unit.pe_exiftool.
set(KB_PE_DATA_DIR ${PROJECT_BINARY_DIR}/tests/unit/pe-data)
set(KB_PE_MKPE ${PROJECT_SOURCE_DIR}/fixtures/factory/mkpe)

# An SP2 iisutil.dll look-alike: i386, 6.0.3790.3959, the decorated exports w3core needs.
set(KB_PE_ARGS_iisutil_x86.dll
  --arch i386 --kind dll --file-version 6.0.3790.3959 --product-version 6.0.3790.3959
  "--string=CompanyName=Microsoft Corporation"
  "--string=FileDescription=IIS Utility DLL"
  "--string=FileVersion=6.0.3790.3959 (srv03_sp2_rtm.070216-1710)"
  "--string=InternalName=iisutil.dll"
  "--string=OriginalFilename=iisutil.dll"
  "--string=ProductName=Microsoft® Windows® Operating System"
  "--string=ProductVersion=6.0.3790.3959"
  "--export=?Copy@MULTISZ@@QAEHPBGK@Z" "--export=?Append@STRU@@QAEJPBG@Z"
  "--export=IISInitializeCriticalSection" "--export=Stdcall@8"
  "--import=KERNEL32.dll:GetVersion" "--import=KERNEL32.dll:GetTickCount")
# A post-SP2 w3core.dll look-alike: amd64 (PE32+), importing decorated names from IISUTIL.DLL.
set(KB_PE_ARGS_w3core_x64.dll
  --arch amd64 --kind dll --file-version 6.0.3790.4693 --product-version 6.0.3790.4693
  "--string=FileVersion=6.0.3790.4693 (srv03_sp2_qfe.100414-1800)"
  "--string=OriginalFilename=w3core.dll"
  "--string=FileDescription=IIS Web Server Core"
  "--export=?W3CoreInit@@YAJXZ"
  "--import=IISUTIL.DLL:?Copy@MULTISZ@@QAEHPBGK@Z" "--import=IISUTIL.DLL:?Append@STRU@@QAEJPBG@Z"
  "--import=KERNEL32.dll:GetTickCount")
# The same imports from a 32-bit file (i386 symbol decoration differs from amd64's).
set(KB_PE_ARGS_w3core_x86.dll
  --arch i386 --kind dll --file-version 6.0.3790.1830 --product-version 6.0.3790.1830
  "--string=FileVersion=6.0.3790.1830 (srv03_sp1_rtm.050324-1447)"
  "--import=IISUTIL.DLL:?Copy@MULTISZ@@QAEHPBGK@Z" "--import=iisutil.dll:?Append@STRU@@QAEJPBG@Z"
  "--import=ntdll.dll:RtlGetVersion")
# An executable with a product version that differs from its file version.
set(KB_PE_ARGS_w3wp_x86.exe
  --arch i386 --kind exe --file-version 6.0.3790.0 --product-version 6.0.3790.1
  "--string=FileVersion=6.0.3790.0 (srv03_rtm.030324-2048)"
  "--string=OriginalFilename=w3wp.exe"
  "--string=Comments=unicode © é 中 \\ \"quoted\""
  "--import=KERNEL32.dll:ExitProcess")
# No version resource at all.
set(KB_PE_ARGS_noversion_x64.dll
  --arch amd64 --kind dll --no-version "--export=OnlyExport")
set(KB_PE_FILES iisutil_x86.dll w3core_x64.dll w3core_x86.dll w3wp_x86.exe noversion_x64.dll)

set(KB_PE_OUTPUTS)
foreach(file IN LISTS KB_PE_FILES)
  set(output ${KB_PE_DATA_DIR}/${file})
  add_custom_command(
    OUTPUT ${output}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${KB_PE_DATA_DIR}
    COMMAND /usr/bin/python3 ${KB_PE_MKPE} ${KB_PE_ARGS_${file}} --out ${output}
    DEPENDS ${KB_PE_MKPE} ${CMAKE_CURRENT_LIST_FILE}
    COMMENT "mkpe ${file}"
    VERBATIM)
  list(APPEND KB_PE_OUTPUTS ${output})
endforeach()
add_custom_target(test_pe_data DEPENDS ${KB_PE_OUTPUTS})

# kbprobe's view of a PE as key=value lines, for scripts (not part of the CLI).
add_executable(pe_dump ${CMAKE_CURRENT_LIST_DIR}/pe_dump.c)
target_compile_options(pe_dump PRIVATE ${KB_WARNINGS})
target_link_libraries(pe_dump PRIVATE kbprobe_lib)
add_dependencies(pe_dump test_pe_data)

if(TARGET test_pe)
  add_dependencies(test_pe test_pe_data pe_dump)
endif()

add_test(NAME unit.pe_exiftool
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/pe_exiftool.py $<TARGET_FILE:pe_dump>
          ${KB_PE_OUTPUTS})
set_tests_properties(unit.pe_exiftool PROPERTIES LABELS unit)
