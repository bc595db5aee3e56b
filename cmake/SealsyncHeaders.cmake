# Which headers a target may include, enforced by its include paths
# (docs/headers.md). Every #include names a header from the source root
# ("lib/kube/watcher.h", "sealsync/kube.h"); each target's include paths
# hold only what it may see, as folders of symbolic links in the build tree
# (build/include/<target>/...), so a header outside them does not compile.
#
# sealsync_module(<target> [SHARED <header>...])
#   Call in the module's folder (lib/kube, operator, sealctl, ...).
#   - include/ (the public headers): <target> and whoever links it.
#   - each SHARED header of the folder (a declared dependency other modules
#     may take): <target> and whoever links it.
#   - every header of the folder: <target>, and targets that link
#     <target>_internal (its tests; the target itself comes with it).
function(sealsync_module target)
  cmake_parse_arguments(M "" "" "SHARED" ${ARGN})
  file(RELATIVE_PATH rel ${PROJECT_SOURCE_DIR} ${CMAKE_CURRENT_SOURCE_DIR})
  set(root ${CMAKE_BINARY_DIR}/include/${target})
  # Only the file links are removed (headers no longer SHARED); the folder
  # links are replaced in place (never removed recursively: they point into
  # the sources).
  file(REMOVE_RECURSE ${root}/shared)
  get_filename_component(parent ${root}/internal/${rel} DIRECTORY)
  file(MAKE_DIRECTORY ${parent})
  file(CREATE_LINK ${CMAKE_CURRENT_SOURCE_DIR} ${root}/internal/${rel} SYMBOLIC)
  target_include_directories(${target}
    PUBLIC ${PROJECT_SOURCE_DIR}/include
    PRIVATE ${root}/internal)
  if(M_SHARED)
    foreach(h IN LISTS M_SHARED)
      if(NOT EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/${h})
        message(FATAL_ERROR "sealsync_module(${target}): no header ${rel}/${h}")
      endif()
      get_filename_component(dir ${root}/shared/${rel}/${h} DIRECTORY)
      file(MAKE_DIRECTORY ${dir})
      file(CREATE_LINK ${CMAKE_CURRENT_SOURCE_DIR}/${h} ${root}/shared/${rel}/${h} SYMBOLIC)
    endforeach()
    target_include_directories(${target} PUBLIC ${root}/shared)
  endif()
  add_library(${target}_internal INTERFACE)
  target_include_directories(${target}_internal INTERFACE ${root}/internal)
  target_link_libraries(${target}_internal INTERFACE ${target})
endfunction()

# sealsync_tree_headers(<target> <folder>): an INTERFACE target that shows
# <folder> of the source root as "<folder>/..." (tests/ for tests and
# benchmarks: helpers, fakes, fixtures; bench/ for the benchmarks), with
# include/.
function(sealsync_tree_headers target folder)
  set(root ${CMAKE_BINARY_DIR}/include/${target})
  file(MAKE_DIRECTORY ${root})
  file(CREATE_LINK ${PROJECT_SOURCE_DIR}/${folder} ${root}/${folder} SYMBOLIC)
  add_library(${target} INTERFACE)
  target_include_directories(${target} INTERFACE ${root}
    ${PROJECT_SOURCE_DIR}/include)
endfunction()
