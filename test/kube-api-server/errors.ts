// Coded errors of the test Kubernetes API server itself (start-up failures), as opposed to the
// Status objects it answers clients with, which live in status.ts.

export type KubeApiErrorCode = 'SM_ERR_KUBEAPI_LISTEN' | 'SM_ERR_KUBEAPI_TLS' | 'SM_ERR_KUBEAPI_CRD_LOAD';

export class KubeApiServerError extends Error {
  readonly code: KubeApiErrorCode;

  constructor(code: KubeApiErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KubeApiServerError';
    this.code = code;
  }
}

/** The server could not bind its host and port. */
export function listenFailed(host: string, port: number, cause: unknown): KubeApiServerError {
  return new KubeApiServerError(
    'SM_ERR_KUBEAPI_LISTEN',
    `kube-api-server: cannot listen on ${host}:${port}`,
    {
      cause,
    },
  );
}

/** No self-signed certificate could be produced (openssl missing or failing). */
export function tlsFailed(message: string, cause?: unknown): KubeApiServerError {
  return new KubeApiServerError('SM_ERR_KUBEAPI_TLS', `kube-api-server: ${message}`, { cause });
}

/** A CRD given at start-up (file or object) cannot be read or registered. */
export function crdLoadFailed(message: string, cause?: unknown): KubeApiServerError {
  return new KubeApiServerError('SM_ERR_KUBEAPI_CRD_LOAD', `kube-api-server: ${message}`, { cause });
}
