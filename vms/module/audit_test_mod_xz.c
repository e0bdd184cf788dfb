// Same module under another name (audit_test_mod_xz), shipped xz-compressed in the guest.
#include "audit_test_mod.c"
