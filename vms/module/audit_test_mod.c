// Trivial module for audit tests: loading and unloading it is the whole point.
// The same source is built twice, as audit_test_mod and audit_test_mod_xz (see Kbuild).
#include <linux/init.h>
#include <linux/module.h>

static int __init audit_test_mod_init(void)
{
	pr_info("%s: loaded\n", KBUILD_MODNAME);
	return 0;
}

static void __exit audit_test_mod_exit(void)
{
	pr_info("%s: unloaded\n", KBUILD_MODNAME);
}

module_init(audit_test_mod_init);
module_exit(audit_test_mod_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("audit-harness test module");
