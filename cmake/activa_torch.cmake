# libtorch for the cross-checks (tests/libtorch_test) and the training
# benchmark's baseline (bench/train): ACTIVA_WITH_LIBTORCH is AUTO (use it when
# found; Debian's libtorch-dev installs it where find_package looks), ON
# (required) or OFF. Sets ACTIVA_HAVE_LIBTORCH.
include_guard(GLOBAL)

set(ACTIVA_WITH_LIBTORCH AUTO CACHE STRING "Build the libtorch cross-checks and baselines: AUTO, ON or OFF")
set_property(CACHE ACTIVA_WITH_LIBTORCH PROPERTY STRINGS AUTO ON OFF)

set(ACTIVA_HAVE_LIBTORCH OFF)
if(ACTIVA_WITH_LIBTORCH STREQUAL "ON")
  find_package(Torch REQUIRED)
  set(ACTIVA_HAVE_LIBTORCH ON)
elseif(ACTIVA_WITH_LIBTORCH STREQUAL "AUTO")
  find_package(Torch QUIET)
  if(Torch_FOUND)
    set(ACTIVA_HAVE_LIBTORCH ON)
  else()
    message(STATUS "activa: libtorch not found; the libtorch cross-checks are not built")
  endif()
elseif(NOT ACTIVA_WITH_LIBTORCH STREQUAL "OFF")
  message(FATAL_ERROR "ACTIVA_WITH_LIBTORCH must be AUTO, ON or OFF, not '${ACTIVA_WITH_LIBTORCH}'")
endif()
