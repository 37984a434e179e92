// SPDX-License-Identifier: GPL-2.0-only
/*
 * KHO kexec metadata: the "kexec-metadata" subtree
 *
 * Every KHO kernel tells its successor which kernel release it was and how
 * many kexecs happened since the last cold boot, in a small blob of its own
 * (<linux/kho/abi/kexec_metadata.h>) rather than in the core format, so the
 * two can change independently. Nothing depends on the blob: a successor
 * that finds none, or one it does not understand, just counts from zero.
 */

#define pr_fmt(fmt) "KHO: " fmt

#include <linux/err.h>
#include <linux/io.h>
#include <linux/kexec_handover.h>
#include <linux/kho/abi/kexec_metadata.h>
#include <linux/string.h>
#include <linux/utsname.h>

#include "kexec_handover_internal.h"

/* The number of kexecs that led to this boot, according to the blob. */
static u32 __init kho_metadata_read(void)
{
	const struct kho_kexec_metadata *meta;
	char release[sizeof(meta->previous_release)];
	phys_addr_t phys;
	size_t size;

	/* A predecessor that had no blob to pass is not an error. */
	if (kho_retrieve_subtree(KHO_METADATA_NODE_NAME, &phys, &size))
		return 0;

	meta = kho_in_blob(phys, size);
	if (!meta) {
		pr_warn("kexec-metadata at %pa ignored\n", &phys);
		return 0;
	}
	if (size < sizeof(meta->version)) {
		pr_warn("kexec-metadata of %zu bytes ignored\n", size);
		return 0;
	}
	if (meta->version != KHO_KEXEC_METADATA_VERSION) {
		pr_warn("kexec-metadata version %u ignored, only %u is known\n",
			meta->version, KHO_KEXEC_METADATA_VERSION);
		return 0;
	}
	if (size < sizeof(*meta)) {
		pr_warn("kexec-metadata of %zu bytes ignored, version %u needs %zu\n",
			size, meta->version, sizeof(*meta));
		return 0;
	}

	/* The predecessor may not have terminated the string. */
	strscpy(release, meta->previous_release, sizeof(release));
	pr_info("kexec number %u, from Linux %s\n", meta->kexec_count, release);
	return meta->kexec_count;
}

/**
 * kho_kexec_metadata_init - Read the predecessor's metadata, write ours.
 *
 * The predecessor's blob is read in place and never restored, because the
 * debugfs view of the incoming FDT keeps showing it.
 *
 * Context: Boot, after the outgoing FDT exists.
 * Return: 0 on success, or the error that kept the outgoing blob from being
 * added; the incoming side never fails.
 */
int __init kho_kexec_metadata_init(void)
{
	u32 count = kho_metadata_read();
	struct kho_kexec_metadata *meta;
	int err;

	meta = kho_alloc_preserve(sizeof(*meta));
	if (IS_ERR(meta))
		return PTR_ERR(meta);

	meta->version = KHO_KEXEC_METADATA_VERSION;
	meta->kexec_count = count + 1;
	strscpy(meta->previous_release, init_uts_ns.name.release,
		sizeof(meta->previous_release));

	err = kho_add_subtree(KHO_METADATA_NODE_NAME, meta, sizeof(*meta));
	if (err)
		kho_unpreserve_free(meta);
	return err;
}
