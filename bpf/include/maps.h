/* Every map of SemaMesh's BPF programs, defined once here; each program file includes it and the
 * static link (bpftool gen object) merges the weak definitions into one object. */
#ifndef SM_MAPS_H
#define SM_MAPS_H

#include "types.h"

#define SM_MAP __attribute__((weak)) SEC(".maps")

/* Written by userspace (Interceptor.addTarget/removeTarget, DNS sync); read by connect4/connect6. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct sm_endpoint);
	__type(value, struct sm_target);
} sm_targets_v1 SM_MAP;

/* Written by userspace (Interceptor.attach); read by every program. One entry, index 0. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sm_config);
} sm_config_v1 SM_MAP;

/* Written by connect4/connect6 (original destination and connecting cgroup, by socket cookie); moved
 * out by sockops on ACTIVE_ESTABLISHED. LRU so connects that never establish age out.
 * v2: the value grew from sm_endpoint to sm_origin (the cgroup id and tgid of the caller). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct sm_origin);
} sm_cookie_dst_v2 SM_MAP;

/* Written by sockops (key: the client's local address and port, family 0; deleted on close); read
 * by getsockopt on the waypoint's accepted socket, whose peer is that client address.
 * v2: sm_origin values, as sm_cookie_dst_v2. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct sm_endpoint);
	__type(value, struct sm_origin);
} sm_peer_dst_v2 SM_MAP;

/* Written by sockops when SM_CFG_SKMSG is set (agent and waypoint ends of redirected connections);
 * read by the sk_msg program to splice payloads socket to socket. */
struct {
	__uint(type, BPF_MAP_TYPE_SOCKHASH);
	__uint(max_entries, 65536);
	__type(key, struct sm_sock_pair);
	__type(value, __u64);
} sm_sockhash_v1 SM_MAP;

/* Written by every program (counters, enum sm_stat); read by userspace (Interceptor.stats). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SM_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} sm_stats_v1 SM_MAP;

#endif
