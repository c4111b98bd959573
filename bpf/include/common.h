/* Small inline helpers shared by the program files: includes, config access, counters, addresses. */
#ifndef SM_COMMON_H
#define SM_COMMON_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "maps.h"

#define SM_SOL_IP 0
#define SM_SOL_IPV6 41
#define SM_SO_ORIGINAL_DST 80
/* SemaMesh's own getsockopt option (SOL_IP / SOL_IPV6): the whole sm_origin of an accepted
 * connection. No kernel or netfilter handler claims this number, so without our program the caller
 * gets ENOPROTOOPT. */
#define SM_SO_PEER_ORIGIN 0x534d

/* A volatile context load: stops clang from turning two field reads into one load through a
 * computed (select) pointer, which the verifier rejects for ctx and sock pointers. */
#define SM_LOAD(x) (*(volatile typeof(x) *)&(x))

static __always_inline struct sm_config *sm_config(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&sm_config_v1, &zero);
}

static __always_inline void sm_count(__u32 stat)
{
	__u64 *v = bpf_map_lookup_elem(&sm_stats_v1, &stat);
	if (v)
		__sync_fetch_and_add(v, 1);
}

static __always_inline void sm_map_v4(__u32 *out, __u32 ip4)
{
	out[0] = 0;
	out[1] = 0;
	out[2] = bpf_htonl(0x0000ffff);
	out[3] = ip4;
}

static __always_inline int sm_is_v4_mapped(const __u32 *a)
{
	return a[0] == 0 && a[1] == 0 && a[2] == bpf_htonl(0x0000ffff);
}

/* Who is calling connect(): the identity the waypoint will give the agent, taken from the kernel. */
static __always_inline void sm_origin_caller(struct sm_origin *o)
{
	o->cgroup_id = bpf_get_current_cgroup_id();
	o->tgid = (__u32)(bpf_get_current_pid_tgid() >> 32);
}

/* The waypoint must reach the real providers: its own sockets are never redirected. */
static __always_inline int sm_is_waypoint_caller(const struct sm_config *cfg)
{
	if (cfg->waypoint_cgroup_id && bpf_get_current_cgroup_id() == cfg->waypoint_cgroup_id)
		return 1;
	if (cfg->waypoint_tgid && (__u32)(bpf_get_current_pid_tgid() >> 32) == cfg->waypoint_tgid)
		return 1;
	return 0;
}

#endif
