"""The web app's one address: a CloudFront distribution in front of the Web API, with the built
`web/static/` files from a private S3 bucket under the same origin.

One origin because the Web function's Content-Security-Policy allows scripts and styles from 'self'
only, and because CloudFront's origin path hides the API stage (`/prod`) so the pages' root-relative
links work. Page requests (the sign-in pages too) are never cached and reach the Web API with every
viewer header but Host (Cookie, Origin, Sec-Fetch-Site); static files are cached and served through
origin access control. Host is the API's own domain at the origin, so a viewer-request function
copies the address the browser used into X-Forwarded-Host (replacing any the viewer sent): the
SignIn function compares a POST's Origin with it when the browser sends no Sec-Fetch-Site.

Static files are published by a BucketDeployment under `static/<content hash>/` (STATIC_BASE_PATH of
the Web function): a changed file is a new path, so files can be cached for a year and no
invalidation is needed. The deployment's own function runs at deploy time only (the AWS CLI layer
and handler ship inside aws-cdk-lib: no Docker at synth).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from throughgate_infra import ROOT, naming
from throughgate_infra.api import ORIGIN_HEADER, VIEWER_ADDRESS_HEADER
from throughgate_infra.functions import LOG_RETENTION, logging_role

STATIC_DIR = ROOT / "web" / "static"
STATIC_FILES = ("throughgate.css", "govuk-frontend.min.js", "init.mjs", "assets/images")
"""What `make assets` builds and the pages link to; synth refuses to publish a partial build."""
STATIC_PREFIX = "static"
VIEWER_REQUEST = f"""\
function handler(event) {{
  var request = event.request;
  request.headers['x-forwarded-host'] = {{ value: request.headers.host.value }};
  request.headers['{VIEWER_ADDRESS_HEADER}'] = {{ value: event.viewer.ip }};
  return request;
}}
"""
"""CloudFront Functions JavaScript (runtime 2.0): the viewer's Host, as X-Forwarded-Host, and the
viewer's address, for the web ACL's rate rules; each replaces any header of that name the viewer sent."""
ACCESS_LOG_DAYS = 90
DOMAIN_CONTEXT = "domain_name"
CERTIFICATE_CONTEXT = "certificate_arn"
"""The web app's own address (required before real data, docs/deploy.md): the name, and the ARN of
an ACM certificate for it in us-east-1 (CloudFront's region for certificates). With them the
distribution answers on that name with TLS 1.2 at least (TLSv1.2_2021); without, on its
*.cloudfront.net address, whose certificate allows TLS 1.0."""


def static_files(directory: Path = STATIC_DIR) -> list[Path]:
    """The files to publish: everything `make assets` built, without its dot-files (build stamps)."""
    missing = [name for name in STATIC_FILES if not (directory / name).exists()]
    if missing:
        raise FileNotFoundError(f"{directory} lacks {', '.join(missing)}: run `make assets` first")
    return sorted(
        path
        for path in directory.rglob("*")
        if path.is_file() and not any(part.startswith(".") for part in path.relative_to(directory).parts)
    )


def content_hash(directory: Path = STATIC_DIR) -> str:
    digest = hashlib.sha256()
    for path in static_files(directory):
        digest.update(path.relative_to(directory).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


class Frontend(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        web_api: apigw.RestApi,
        origin_secret: secretsmanager.ISecret,
    ) -> None:
        super().__init__(scope, construct_id)
        self.access_logs = s3.Bucket(
            self,
            "AccessLogs",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,  # S3 server access logs need SSE-S3
            enforce_ssl=True,
            # CloudFront delivers its standard logs with an object ACL; S3's own logs come in by
            # bucket policy (cdk.json: serverAccessLogsUseBucketPolicy).
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
            lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(ACCESS_LOG_DAYS))],
            # Access records outlive the stack (and CloudFormation cannot delete a non-empty bucket).
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.bucket = s3.Bucket(
            self,
            "Static",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix="static-bucket/",
            # Emptied by the deployment below when the stack is deleted.
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.static_base_path = f"/{STATIC_PREFIX}/{content_hash()}"
        deployment_logs = logs.LogGroup(
            self, "StaticFilesLogs", retention=LOG_RETENTION, removal_policy=RemovalPolicy.DESTROY
        )
        # Not CDK's default role: the deployment adds read on its asset staging bucket and read-write
        # on the static bucket to this one.
        self.deployment_role = logging_role(
            self,
            "StaticFilesRole",
            description="Throughgate static files deployment (runs at deploy time only)",
            log_group=deployment_logs,
        )
        self.deployment = s3deploy.BucketDeployment(
            self,
            "StaticFiles",
            sources=[s3deploy.Source.asset(str(STATIC_DIR), exclude=[".*", "**/.*"])],
            destination_bucket=self.bucket,
            destination_key_prefix=f"{self.static_base_path.lstrip('/')}/",
            cache_control=[s3deploy.CacheControl.from_string("public, max-age=31536000, immutable")],
            retain_on_delete=False,  # a new hash removes the old files; deleting the stack empties the bucket
            memory_limit=256,
            role=self.deployment_role,
            log_group=deployment_logs,
        )
        headers = cloudfront.ResponseHeadersPolicy(
            self,
            "SecurityHeaders",
            response_headers_policy_name=f"{naming.prefix(self)}-security-headers",
            comment="HSTS everywhere; the Web function's own headers win where it sets them",
            security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
                strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                    access_control_max_age=Duration.days(365), include_subdomains=True, override=True
                ),
                content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=False),
                frame_options=cloudfront.ResponseHeadersFrameOptions(
                    frame_option=cloudfront.HeadersFrameOption.DENY, override=False
                ),
                referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                    referrer_policy=cloudfront.HeadersReferrerPolicy.NO_REFERRER, override=False
                ),
            ),
        )
        self.forwarded_host = cloudfront.Function(
            self,
            "ForwardedHost",
            function_name=f"{naming.prefix(self)}-forwarded-host",
            comment="Sets X-Forwarded-Host and the viewer's address for the pages",
            code=cloudfront.FunctionCode.from_inline(VIEWER_REQUEST),
            runtime=cloudfront.FunctionRuntime.JS_2_0,
        )
        self.domain_name: str | None = self.node.try_get_context(DOMAIN_CONTEXT)
        certificate_arn = self.node.try_get_context(CERTIFICATE_CONTEXT)
        if bool(self.domain_name) != bool(certificate_arn):
            raise ValueError(f"context {DOMAIN_CONTEXT} and {CERTIFICATE_CONTEXT} go together")
        if certificate_arn and not str(certificate_arn).startswith("arn:aws:acm:us-east-1:"):
            raise ValueError(f"{CERTIFICATE_CONTEXT}: CloudFront takes certificates from us-east-1 only")
        own_address = (
            {
                "domain_names": [self.domain_name],
                "certificate": acm.Certificate.from_certificate_arn(
                    self, "Certificate", str(certificate_arn)
                ),
                "minimum_protocol_version": cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
            }
            if self.domain_name
            else {}
        )
        self.distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment=f"{naming.prefix(self)} web app",
            default_behavior=cloudfront.BehaviorOptions(
                # Origin path: the stage. The secret header (CloudFront replaces a viewer's header of
                # that name) is what the web ACL lets through to the Web API.
                origin=origins.RestApiOrigin(
                    web_api, custom_headers={ORIGIN_HEADER: origin_secret.secret_value.unsafe_unwrap()}
                ),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
                cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
                origin_request_policy=cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
                response_headers_policy=headers,
                function_associations=[
                    cloudfront.FunctionAssociation(
                        function=self.forwarded_host, event_type=cloudfront.FunctionEventType.VIEWER_REQUEST
                    )
                ],
            ),
            additional_behaviors={
                f"/{STATIC_PREFIX}/*": cloudfront.BehaviorOptions(
                    origin=origins.S3BucketOrigin.with_origin_access_control(self.bucket),
                    viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                    allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD,
                    cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
                    response_headers_policy=headers,
                    compress=True,
                )
            },
            price_class=cloudfront.PriceClass.PRICE_CLASS_100,
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            enable_logging=True,
            log_bucket=self.access_logs,
            log_file_prefix="cloudfront/",
            **own_address,  # type: ignore[arg-type]
        )

    @property
    def deployment_function(self) -> lambda_.IFunction:
        """The BucketDeployment's handler: a singleton CDK adds to the stack, not to this construct."""
        (function,) = (
            child
            for child in Stack.of(self).node.children
            if child.node.id.startswith("Custom::CDKBucketDeployment") and isinstance(child, lambda_.Function)
        )
        return function

    @property
    def url(self) -> str:
        return f"https://{self.domain_name or self.distribution.distribution_domain_name}/"
