"""Sends logs to vigie with the OpenTelemetry Python SDK and its OTLP exporters, as an
application instrumented with OpenTelemetry would.

usage: otlp_send.py http|grpc ENDPOINT TOKEN COUNT gzip|none [CA_FILE]

With CA_FILE the exporters speak TLS and trust that CA (HTTP: an https:// ENDPOINT).

- COUNT sshd lines (user names `<protocol><n>`) through Python's logging bridge (the SDK's LoggingHandler): string
  bodies, the resource declaring `data_stream.dataset = system.auth`;
- one CloudTrail record as a map body, its record attribute declaring `aws.cloudtrail`.

Prints one JSON line: the number of records each export call carried and its result.
"""

import json
import logging
import sys

from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
from opentelemetry.sdk.resources import Resource

protocol, endpoint, token, count, compression = sys.argv[1:6]
ca_file = sys.argv[6] if len(sys.argv) > 6 else None
count = int(count)
if protocol == "http":
    from opentelemetry.exporter.otlp.proto.http import Compression
    from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter

    exporter = OTLPLogExporter(
        endpoint=endpoint + "/v1/logs",
        headers={"authorization": "Bearer " + token},
        compression=Compression.Gzip if compression == "gzip" else Compression.NoCompression,
        timeout=30,
        certificate_file=ca_file,
    )
else:
    import grpc
    from opentelemetry.exporter.otlp.proto.grpc._log_exporter import OTLPLogExporter

    tls = {}
    if ca_file:
        with open(ca_file, "rb") as ca:
            tls["credentials"] = grpc.ssl_channel_credentials(root_certificates=ca.read())
    exporter = OTLPLogExporter(
        endpoint=endpoint,
        insecure=ca_file is None,
        **tls,
        headers=(("authorization", "Bearer " + token),),
        compression=grpc.Compression.Gzip if compression == "gzip" else grpc.Compression.NoCompression,
        timeout=30,
    )

exports = []
send = exporter.export


def counted(batch, *args, **kwargs):
    result = send(batch, *args, **kwargs)
    exports.append([len(batch), result.name])
    return result


exporter.export = counted

provider = LoggerProvider(
    resource=Resource.create(
        {"service.name": "sshd", "host.name": "web1", "data_stream.dataset": "system.auth"}
    )
)
provider.add_log_record_processor(BatchLogRecordProcessor(exporter, max_export_batch_size=200))

log = logging.getLogger("auth")
log.propagate = False
log.setLevel(logging.INFO)
log.addHandler(LoggingHandler(level=logging.INFO, logger_provider=provider))
for i in range(count):
    log.warning(
        "Dec  7 10:%02d:%02d web1 sshd[%d]: Failed password for invalid user %s%d from 203.0.113.%d port %d ssh2",
        (i // 60) % 60,
        i % 60,
        4000 + i,
        protocol,
        i,
        i % 250 + 1,
        50000 + i,
    )

provider.get_logger("aws.cloudtrail").emit(
    body={
        "eventVersion": "1.08",
        "eventSource": "iam.amazonaws.com",
        "eventName": "CreateUser",
        "eventTime": "2026-12-07T09:00:00Z",
        "awsRegion": "eu-west-1",
        "sourceIPAddress": "198.51.100.7",
        "userIdentity": {"type": "IAMUser", "userName": "mallory-" + protocol},
        "requestParameters": {"userName": "backdoor-" + protocol},
    },
    attributes={"event.dataset": "aws.cloudtrail"},
    severity_text="INFO",
)
provider.force_flush(60_000)
provider.shutdown()
print(json.dumps({"exports": exports}))
