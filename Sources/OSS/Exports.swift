// The signer's value types (credentials, requests, times) are part of the client's API.
@_exported import OSSSigner
// The typed image process is part of getObject/presign/processObject.
@_exported import OSSImageProcess
