/* cgroup/getsockopt on the waypoint's cgroup: answers SO_ORIGINAL_DST (SOL_IP / SOL_IPV6, optname
 * 80) for accepted connections from sm_peer_dst_v2, so the waypoint asks the standard question.
 * The answer's family follows the original destination (sockaddr_in or sockaddr_in6); callers
 * should offer 28 bytes. SM_SO_PEER_ORIGIN (same levels) answers the whole struct sm_origin, i.e.
 * also the cgroup id and tgid that connected: the agent's identity, with no map access needed by
 * the waypoint. Anything else passes through untouched. */
#include "common.h"

SEC("cgroup/getsockopt")
int sm_getsockopt(struct bpf_sockopt *ctx)
{
	int optname = ctx->optname;
	if ((optname != SM_SO_ORIGINAL_DST && optname != SM_SO_PEER_ORIGIN) ||
	    (ctx->level != SM_SOL_IP && ctx->level != SM_SOL_IPV6))
		return 1;
	struct bpf_sock *sk = ctx->sk;
	if (!sk)
		return 1;

	/* Unconditional reads keep each ctx access at a constant offset (see sm_sockops.bpf.c). */
	__u32 family = SM_LOAD(sk->family), ip4 = SM_LOAD(sk->dst_ip4);
	__u32 a0 = SM_LOAD(sk->dst_ip6[0]), a1 = SM_LOAD(sk->dst_ip6[1]), a2 = SM_LOAD(sk->dst_ip6[2]), a3 = SM_LOAD(sk->dst_ip6[3]);
	__u16 port = SM_LOAD(sk->dst_port);
	struct sm_endpoint key = {};
	if (family == SM_AF_INET) {
		sm_map_v4(key.addr, ip4);
	} else {
		key.addr[0] = a0;
		key.addr[1] = a1;
		key.addr[2] = a2;
		key.addr[3] = a3;
	}
	key.port = port;

	struct sm_origin *origin = bpf_map_lookup_elem(&sm_peer_dst_v2, &key);
	if (optname == SM_SO_PEER_ORIGIN) {
		if (!origin) {
			sm_count(SM_STAT_ORIGIN_MISS);
			return 1;
		}
		struct sm_origin *out = ctx->optval;
		if ((void *)(out + 1) > ctx->optval_end)
			return 1;
		*out = *origin;
		ctx->optlen = sizeof(*out);
		ctx->retval = 0;
		sm_count(SM_STAT_ORIGIN_HIT);
		return 1;
	}
	if (!origin) {
		sm_count(SM_STAT_SOCKOPT_MISS);
		return 1;
	}
	struct sm_endpoint *orig = &origin->dst;

	if (orig->family == SM_AF_INET) {
		struct sockaddr_in *sin = ctx->optval;
		if ((void *)(sin + 1) > ctx->optval_end)
			return 1;
		sin->sin_family = SM_AF_INET;
		sin->sin_port = orig->port;
		sin->sin_addr.s_addr = orig->addr[3];
		ctx->optlen = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = ctx->optval;
		if ((void *)(sin6 + 1) > ctx->optval_end)
			return 1;
		sin6->sin6_family = SM_AF_INET6;
		sin6->sin6_port = orig->port;
		sin6->sin6_flowinfo = 0;
		sin6->sin6_addr.in6_u.u6_addr32[0] = orig->addr[0];
		sin6->sin6_addr.in6_u.u6_addr32[1] = orig->addr[1];
		sin6->sin6_addr.in6_u.u6_addr32[2] = orig->addr[2];
		sin6->sin6_addr.in6_u.u6_addr32[3] = orig->addr[3];
		sin6->sin6_scope_id = 0;
		ctx->optlen = sizeof(*sin6);
	}
	ctx->retval = 0;
	sm_count(SM_STAT_SOCKOPT_HIT);
	return 1;
}

char LICENSE[] SEC("license") = "GPL";
