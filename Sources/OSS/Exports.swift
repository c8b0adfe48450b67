// The typed image process is part of getObject/presign/processObject.
@_exported import OSSImageProcess
// The request model, percent-encoding and times (OSSCore, through the signer) and the signer's
// value types (credentials, requests) are part of the client's API.
@_exported import OSSSigner

// Connect and idle timeouts are set on OSSClient and per call (RequestOptions); `import OSS`
// alone must be enough to name them.
@_exported import struct OSSHTTP.TransportTimeouts
