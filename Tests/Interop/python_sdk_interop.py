"""Interop: the official Python SDK (alibabacloud-oss-v2) against `oss serve`.

Run by scripts/interop.sh, which installs the SDK and starts the server. For V4 and V1 it puts,
gets, heads, lists, deletes, and fetches a presigned URL with plain HTTP; uploads in parts, appends,
copies, tags, sets an ACL, makes a symlink and deletes in a batch; then checks that a wrong secret
gets 403 SignatureDoesNotMatch. Exits non-zero on the first failure.
"""
import hashlib
import sys
import urllib.request

import alibabacloud_oss_v2 as oss

endpoint, bucket, access_key_id, access_key_secret = sys.argv[1:5]


def client(signature_version, secret=access_key_secret):
    cfg = oss.config.load_default()
    cfg.credentials_provider = oss.credentials.StaticCredentialsProvider(access_key_id, secret)
    cfg.region = "cn-hangzhou"
    cfg.endpoint = endpoint
    cfg.use_path_style = True
    cfg.signature_version = signature_version
    cfg.retry_max_attempts = 1
    return oss.Client(cfg)


def check(condition, message):
    if not condition:
        print(f"FAIL: {message}", file=sys.stderr)
        sys.exit(1)
    print(f"ok   {message}")


for version in ("v4", "v1"):
    c = client(version)
    key = f"interop/{version}/photo 1+2~中文.bin"
    body = bytes(range(256)) * 4096 + version.encode()
    put = c.put_object(oss.PutObjectRequest(bucket=bucket, key=key, body=body, content_type="application/x-test",
                                            metadata={"origin": "python"}))
    check(put.status_code == 200, f"{version} put_object status {put.status_code}")
    check(put.etag.strip('"').lower() == hashlib.md5(body).hexdigest(), f"{version} put_object ETag is the MD5")
    check(put.hash_crc64 is not None, f"{version} put_object returns x-oss-hash-crc64ecma ({put.hash_crc64})")

    got = c.get_object(oss.GetObjectRequest(bucket=bucket, key=key))
    data = got.body.read()
    check(data == body, f"{version} get_object returns the bytes ({len(data)})")
    check(got.content_type == "application/x-test", f"{version} get_object content type")
    check(got.metadata.get("origin") == "python", f"{version} get_object user metadata")

    ranged = c.get_object(oss.GetObjectRequest(bucket=bucket, key=key, range_header="bytes=10-19"))
    check(ranged.status_code == 206 and ranged.body.read() == body[10:20], f"{version} ranged get_object")

    head = c.head_object(oss.HeadObjectRequest(bucket=bucket, key=key))
    check(head.content_length == len(body), f"{version} head_object content length")
    check(head.etag == put.etag, f"{version} head_object ETag")

    listed = c.list_objects_v2(oss.ListObjectsV2Request(bucket=bucket, prefix=f"interop/{version}/"))
    keys = [o.key for o in (listed.contents or [])]
    check(keys == [key], f"{version} list_objects_v2 finds the key {keys}")

    presigned = c.presign(oss.GetObjectRequest(bucket=bucket, key=key))
    with urllib.request.urlopen(urllib.request.Request(presigned.url, headers=presigned.signed_headers or {})) as response:
        check(response.status == 200 and response.read() == body, f"{version} presigned URL fetched with plain HTTP")

    deleted = c.delete_object(oss.DeleteObjectRequest(bucket=bucket, key=key))
    check(deleted.status_code == 204, f"{version} delete_object status {deleted.status_code}")
    try:
        c.head_object(oss.HeadObjectRequest(bucket=bucket, key=key))
        check(False, f"{version} head_object after delete should fail")
    except oss.exceptions.OperationError as error:
        inner = error.unwrap()
        check(getattr(inner, "status_code", 0) == 404, f"{version} head_object after delete is 404")

    # Multipart: the ETag is the MD5 of the parts' MD5s, then -N.
    mkey = f"interop/{version}/multi.bin"
    parts = [bytes([1]) * (100 << 10), bytes([2]) * 1000]
    upload = c.initiate_multipart_upload(oss.InitiateMultipartUploadRequest(bucket=bucket, key=mkey))
    done = []
    for number, part in enumerate(parts, 1):
        r = c.upload_part(oss.UploadPartRequest(bucket=bucket, key=mkey, upload_id=upload.upload_id, part_number=number, body=part))
        done.append(oss.UploadPart(part_number=number, etag=r.etag))
    listed = c.list_parts(oss.ListPartsRequest(bucket=bucket, key=mkey, upload_id=upload.upload_id))
    check([p.part_number for p in listed.parts] == [1, 2], f"{version} list_parts")
    complete = c.complete_multipart_upload(oss.CompleteMultipartUploadRequest(
        bucket=bucket, key=mkey, upload_id=upload.upload_id,
        complete_multipart_upload=oss.CompleteMultipartUpload(parts=done)))
    expected = hashlib.md5(b"".join(hashlib.md5(p).digest() for p in parts)).hexdigest().upper() + "-2"
    check(complete.etag.strip('"') == expected, f"{version} complete_multipart_upload ETag {complete.etag}")
    check(c.get_object(oss.GetObjectRequest(bucket=bucket, key=mkey)).body.read() == b"".join(parts), f"{version} multipart object")

    akey = f"interop/{version}/log.txt"
    first = c.append_object(oss.AppendObjectRequest(bucket=bucket, key=akey, position=0, body=b"one "))
    second = c.append_object(oss.AppendObjectRequest(bucket=bucket, key=akey, position=first.next_position, body=b"two"))
    check(second.next_position == 7, f"{version} append_object next position {second.next_position}")
    check(c.get_object(oss.GetObjectRequest(bucket=bucket, key=akey)).body.read() == b"one two", f"{version} appended object")

    ckey = f"interop/{version}/copy.bin"
    c.copy_object(oss.CopyObjectRequest(bucket=bucket, key=ckey, source_bucket=bucket, source_key=mkey))
    check(c.get_object(oss.GetObjectRequest(bucket=bucket, key=ckey)).body.read() == b"".join(parts), f"{version} copy_object")

    c.put_object_tagging(oss.PutObjectTaggingRequest(bucket=bucket, key=ckey, tagging=oss.Tagging(
        tag_set=oss.TagSet(tags=[oss.Tag(key="k", value="v")]))))
    tags = c.get_object_tagging(oss.GetObjectTaggingRequest(bucket=bucket, key=ckey))
    check([(t.key, t.value) for t in tags.tag_set.tags] == [("k", "v")], f"{version} object tagging")

    c.put_object_acl(oss.PutObjectAclRequest(bucket=bucket, key=ckey, acl="public-read"))
    check(c.get_object_acl(oss.GetObjectAclRequest(bucket=bucket, key=ckey)).acl == "public-read", f"{version} object ACL")

    lkey = f"interop/{version}/link"
    c.put_symlink(oss.PutSymlinkRequest(bucket=bucket, key=lkey, target=akey))
    check(c.get_symlink(oss.GetSymlinkRequest(bucket=bucket, key=lkey)).target == akey, f"{version} get_symlink")
    check(c.get_object(oss.GetObjectRequest(bucket=bucket, key=lkey)).body.read() == b"one two", f"{version} get through a symlink")

    batch = c.delete_multiple_objects(oss.DeleteMultipleObjectsRequest(bucket=bucket, objects=[
        oss.DeleteObject(key=k) for k in (mkey, akey, ckey, lkey)]))
    check(sorted(o.key for o in batch.deleted_objects) == sorted([mkey, akey, ckey, lkey]), f"{version} delete_multiple_objects")

    try:
        client(version, secret=access_key_secret + "x").get_object(oss.GetObjectRequest(bucket=bucket, key="anything"))
        check(False, f"{version} wrong secret should be refused")
    except oss.exceptions.OperationError as error:
        inner = error.unwrap()
        check(getattr(inner, "status_code", 0) == 403 and getattr(inner, "code", "") == "SignatureDoesNotMatch",
              f"{version} wrong secret gets 403 SignatureDoesNotMatch ({getattr(inner, 'code', '?')})")

print("interop: all checks passed")
