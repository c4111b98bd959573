/* Structs shared by the BPF programs and userspace; bpf/src/layout.ts encodes the same bytes and
 * bpf/src/layout.test.ts checks both agree (sizes and offsets), so change them together. */
#ifndef SM_TYPES_H
#define SM_TYPES_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define SM_AF_INET 2
#define SM_AF_INET6 10

/* An IP endpoint. IPv4 is stored IPv4-mapped (::ffff:a.b.c.d) so one key space serves connect4,
 * connect6 and dual-stack sockets alike. Used as map key with family = 0, as value with family set
 * to the family the client asked for. */
struct sm_endpoint {
	__u32 addr[4]; /* network byte order */
	__u16 port;    /* network byte order */
	__u16 family;  /* SM_AF_INET / SM_AF_INET6 in values, 0 in keys */
};

/* What connect4/6 record for a redirected socket (value of sm_cookie_dst_v2 and sm_peer_dst_v2): the
 * original destination and who asked for it, as the kernel saw the task calling connect(): its
 * cgroup v2 id (bpf_get_current_cgroup_id: the inode number of its directory in the cgroup2 mount)
 * and its tgid (in the initial pid namespace). The waypoint reads it whole through getsockopt
 * SM_SO_PEER_ORIGIN; the node agent maps cgroup_id to a pod. */
struct sm_origin {
	struct sm_endpoint dst;
	__u32 tgid;
	__u64 cgroup_id;
};

/* Value of sm_targets_v1. A per-target waypoint port lets TLS targets (:443) land on the waypoint's
 * TLS listener and plain ones on its HTTP listener. */
struct sm_target {
	__u16 waypoint_port; /* network byte order; 0 = sm_config.waypoint_port */
	__u16 flags;         /* none defined yet */
};

#define SM_CFG_ENABLED 0x1 /* redirect at all; cleared means every hook passes through */
#define SM_CFG_SKMSG 0x2   /* add agent<->waypoint sockets to sm_sockhash_v1 for the sk_msg path */

/* The single entry of sm_config_v1. */
struct sm_config {
	__u64 waypoint_cgroup_id; /* sockets created from this cgroup are never redirected (0 = none) */
	__u32 waypoint_tgid;      /* nor those of this process (0 = none) */
	__u32 waypoint_ip4;       /* network byte order */
	__u32 waypoint_ip6[4];    /* all zero = use ::ffff:waypoint_ip4 for AF_INET6 sockets */
	__u16 waypoint_port;      /* network byte order */
	__u16 flags;              /* SM_CFG_* */
	__u32 _pad;
};

/* Key of sm_sockhash_v1: a TCP connection seen from one side (local, remote). */
struct sm_sock_pair {
	__u32 local_addr[4];  /* IPv4-mapped for IPv4, network byte order */
	__u32 remote_addr[4];
	__u16 local_port;     /* network byte order */
	__u16 remote_port;    /* network byte order */
};

/* Indexes into sm_stats_v1 (each a __u64 counter). */
enum sm_stat {
	SM_STAT_REDIRECTED = 0,
	SM_STAT_SKIPPED_WAYPOINT = 1,
	SM_STAT_ESTABLISHED = 2,
	SM_STAT_SOCKOPT_HIT = 3,
	SM_STAT_SOCKOPT_MISS = 4,
	SM_STAT_SKMSG_REDIRECT = 5,
	SM_STAT_ORIGIN_HIT = 6,
	SM_STAT_ORIGIN_MISS = 7,
	SM_STAT_MAX = 8,
};

#endif
