/* sockops: when a redirected connection is established, re-keys its original destination by the
 * client's (local address, local port), which is what the waypoint sees as its accepted peer; also
 * feeds the optional sk_msg socket map and drops the entry when the socket closes. */
#include "common.h"

static __always_inline void sm_local(struct bpf_sock_ops *skops, struct sm_endpoint *ep)
{
	/* Every field is read unconditionally and volatile (SM_LOAD): if clang merges the two branches
	 * into one computed ctx offset, the verifier rejects the access. */
	__u32 family = SM_LOAD(skops->family), ip4 = SM_LOAD(skops->local_ip4), port = SM_LOAD(skops->local_port);
	__u32 a0 = SM_LOAD(skops->local_ip6[0]), a1 = SM_LOAD(skops->local_ip6[1]);
	__u32 a2 = SM_LOAD(skops->local_ip6[2]), a3 = SM_LOAD(skops->local_ip6[3]);
	if (family == SM_AF_INET) {
		sm_map_v4(ep->addr, ip4);
	} else {
		ep->addr[0] = a0;
		ep->addr[1] = a1;
		ep->addr[2] = a2;
		ep->addr[3] = a3;
	}
	ep->port = bpf_htons((__u16)port);
}

static __always_inline void sm_pair(struct bpf_sock_ops *skops, struct sm_sock_pair *p)
{
	struct sm_endpoint local = {};
	sm_local(skops, &local);
	__u32 family = SM_LOAD(skops->family), ip4 = SM_LOAD(skops->remote_ip4), rport = SM_LOAD(skops->remote_port);
	__u32 a0 = SM_LOAD(skops->remote_ip6[0]), a1 = SM_LOAD(skops->remote_ip6[1]);
	__u32 a2 = SM_LOAD(skops->remote_ip6[2]), a3 = SM_LOAD(skops->remote_ip6[3]);
	__builtin_memcpy(p->local_addr, local.addr, sizeof(p->local_addr));
	if (family == SM_AF_INET) {
		sm_map_v4(p->remote_addr, ip4);
	} else {
		p->remote_addr[0] = a0;
		p->remote_addr[1] = a1;
		p->remote_addr[2] = a2;
		p->remote_addr[3] = a3;
	}
	p->local_port = local.port;
	/* The kernel hands remote_port over as the big-endian port shifted into the upper half. */
	p->remote_port = (__u16)(rport >> 16);
}

static __always_inline void sm_skmsg_add(struct bpf_sock_ops *skops, struct sm_config *cfg)
{
	if (!(cfg->flags & SM_CFG_SKMSG))
		return;
	struct sm_sock_pair p = {};
	sm_pair(skops, &p);
	/* Only agent<->waypoint pairs: the waypoint end has the waypoint port on one side. */
	if (p.local_port != cfg->waypoint_port && p.remote_port != cfg->waypoint_port)
		return;
	bpf_sock_hash_update(skops, &sm_sockhash_v1, &p, BPF_ANY);
}

SEC("sockops")
int sm_sockops(struct bpf_sock_ops *skops)
{
	struct sm_config *cfg = sm_config();
	if (!cfg || !(cfg->flags & SM_CFG_ENABLED))
		return 1;

	switch (skops->op) {
	case BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB: {
		__u64 cookie = bpf_get_socket_cookie(skops);
		struct sm_origin *orig = bpf_map_lookup_elem(&sm_cookie_dst_v2, &cookie);
		if (!orig)
			break;
		struct sm_endpoint key = {};
		sm_local(skops, &key);
		struct sm_origin val = *orig;
		bpf_map_update_elem(&sm_peer_dst_v2, &key, &val, BPF_ANY);
		bpf_map_delete_elem(&sm_cookie_dst_v2, &cookie);
		bpf_sock_ops_cb_flags_set(skops, BPF_SOCK_OPS_STATE_CB_FLAG);
		sm_count(SM_STAT_ESTABLISHED);
		sm_skmsg_add(skops, cfg);
		break;
	}
	case BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB:
		sm_skmsg_add(skops, cfg);
		break;
	case BPF_SOCK_OPS_STATE_CB:
		/* A later connection reusing this local port must not inherit a stale destination. */
		if (skops->args[1] == BPF_TCP_CLOSE) {
			struct sm_endpoint key = {};
			sm_local(skops, &key);
			bpf_map_delete_elem(&sm_peer_dst_v2, &key);
		}
		break;
	default:
		break;
	}
	return 1;
}

char LICENSE[] SEC("license") = "GPL";
