"""The HTTP front doors: a REST API for the JSON `Api` function and one for the web pages.

- JSON API: every path to the `Api` function behind a Cognito user-pool authorizer (the caller sends
  an ID token in the Authorization header).
- Web API: the sign-in pages (SIGN_IN_ROUTES) to the `SignIn` function with no authorizer; every other
  path to the `Web` function behind a REQUEST authorizer, the `Authorizer` function, which verifies
  the session cookie's ID token. A request it refuses, or one with no Cookie header at all, is
  answered with a redirect to /sign-in (the UNAUTHORIZED and ACCESS_DENIED gateway responses).

Both have request validation, JSON access logs, execution logging of errors (never request data),
X-Ray, stage throttling, and one regional WAF web ACL (see `Api._web_acl` for its rules, in order).
The Web API is meant to be reached through CloudFront only: CloudFront adds a secret origin header
(frontend.py) and the web ACL refuses a request to the Web API without it; CloudFront's
viewer-request function also sets the viewer's address in a header of its own, which the rate rules
count by (the regional ACL itself sees CloudFront's addresses for page requests). The JSON API is
called directly, so its callers' own addresses are counted.
Two APIs rather than one with an `/api` prefix: each handler routes on the paths it defines.
"""

from __future__ import annotations

from aws_cdk import ArnFormat, Duration, RemovalPolicy, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_wafv2 as waf
from constructs import Construct

from throughgate_infra import naming
from throughgate_infra.functions import LOG_RETENTION, generated_secret

STAGE = "prod"
RATE_LIMIT_PER_SECOND = 20  # a programme's staff, not the public
BURST_LIMIT = 40
WAF_RATE_LIMIT_PER_5_MINUTES = 1000  # per client address
WAF_SIGN_IN_RATE_LIMIT_PER_5_MINUTES = 100  # per viewer, on the sign-in pages: a few sign-ins a day each
BODY_LIMIT_BYTES = 64 * 1024
"""The largest body the Api and Web handlers accept (their MAX_BODY_BYTES; a test checks they agree).
The managed common rule set would block any body over 8 KB (SizeRestrictions_BODY, set to count);
our own rule blocks only what the handlers would refuse anyway."""
BODY_INSPECTION_LIMIT = "KB_64"  # WAF reads up to 64 KB of an API Gateway request's body
VIEWER_ADDRESS_HEADER = "x-viewer-address"
"""Set by CloudFront's viewer-request function (frontend.py) to the viewer's IP, replacing any sent."""
ORIGIN_HEADER = "x-throughgate-origin"
"""Added by CloudFront to every request it sends to the Web API, with ORIGIN_SECRET's value."""
SESSION_CHECK_CACHE = Duration.seconds(60)  # per Cookie header: one Authorizer call a minute per session
SIGN_IN_ROUTES: dict[str, tuple[str, ...]] = {
    "sign-in": ("GET", "POST"),
    "sign-in/code": ("POST",),
    "sign-in/new-password": ("POST",),
    "sign-in/set-up-mfa": ("POST",),
    "sign-out": ("GET", "POST"),
}
"""The `SignIn` function's routes (throughgate.handlers.sign_in): public, so no authorizer."""
SIGNED_OUT_RESPONSES = (apigw.ResponseType.UNAUTHORIZED, apigw.ResponseType.ACCESS_DENIED)
MANAGED_RULE_GROUPS = (
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
    "AWSManagedRulesAmazonIpReputationList",
)


BLOCKED_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title} - Throughgate</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, arial, sans-serif; max-width: 40em; margin: 2em auto; padding: 0 1em">
<h1>{title}</h1>{body}
<p><a href="/">Go to your work for today</a></p></body></html>"""
RESPONSES: dict[str, tuple[int, str, str]] = {
    "blocked": (
        403,
        "This request was stopped",
        "<p>The service's firewall stopped this request before it reached Throughgate, so nothing "
        "was saved.</p><p>If you were filling in a form, go back in your browser: what you typed is "
        "usually still there. Copy it somewhere safe, then try again. If it happens again, tell "
        "whoever runs Throughgate the time it happened.</p>",
    ),
    "too-many": (
        429,
        "Too many requests",
        "<p>Too many requests came from your address in the last few minutes, so nothing was saved. "
        "Wait five minutes, then go back in your browser and send the form again.</p>",
    ),
    "too-large": (
        413,
        "That is more than a form can hold",
        "<p>Nothing was saved. Go back in your browser, copy your notes somewhere safe, shorten them "
        "and try again.</p>",
    ),
}
"""WAF's answers for our own rules (custom response bodies: key -> status, title, HTML)."""


def _block(response: str) -> waf.CfnWebACL.RuleActionProperty:
    status = RESPONSES[response][0]
    return waf.CfnWebACL.RuleActionProperty(
        block=waf.CfnWebACL.BlockActionProperty(
            custom_response=waf.CfnWebACL.CustomResponseProperty(
                response_code=status, custom_response_body_key=response
            )
        )
    )


def _header_is(header: str, value: str) -> waf.CfnWebACL.StatementProperty:
    return waf.CfnWebACL.StatementProperty(
        byte_match_statement=waf.CfnWebACL.ByteMatchStatementProperty(
            field_to_match=waf.CfnWebACL.FieldToMatchProperty(single_header={"Name": header}),
            positional_constraint="EXACTLY",
            search_string=value,
            text_transformations=[waf.CfnWebACL.TextTransformationProperty(priority=0, type="NONE")],
        )
    )


def _not(statement: waf.CfnWebACL.StatementProperty) -> waf.CfnWebACL.StatementProperty:
    return waf.CfnWebACL.StatementProperty(
        not_statement=waf.CfnWebACL.NotStatementProperty(statement=statement)
    )


def _per_viewer(
    limit: int, scope_down: waf.CfnWebACL.StatementProperty | None = None
) -> waf.CfnWebACL.StatementProperty:
    """Counted by the address CloudFront's function wrote; a request without it is not counted here."""
    return waf.CfnWebACL.StatementProperty(
        rate_based_statement=waf.CfnWebACL.RateBasedStatementProperty(
            aggregate_key_type="FORWARDED_IP",
            forwarded_ip_config=waf.CfnWebACL.ForwardedIPConfigurationProperty(
                header_name=VIEWER_ADDRESS_HEADER, fallback_behavior="NO_MATCH"
            ),
            limit=limit,
            scope_down_statement=scope_down,
        )
    )


def _rule(
    priority: int,
    name: str,
    statement: waf.CfnWebACL.StatementProperty,
    action: waf.CfnWebACL.RuleActionProperty | None = None,
) -> waf.CfnWebACL.RuleProperty:
    """Our own rules have an action; a managed rule group's own actions stand (override: none)."""
    return waf.CfnWebACL.RuleProperty(
        name=name,
        priority=priority,
        statement=statement,
        action=action,
        override_action=None if action else waf.CfnWebACL.OverrideActionProperty(none={}),
        visibility_config=_visibility(name),
    )


def _visibility(metric: str) -> waf.CfnWebACL.VisibilityConfigProperty:
    return waf.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True, metric_name=metric, sampled_requests_enabled=True
    )


class Api(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        functions: dict[str, lambda_.Function],
        user_pool: cognito.IUserPool,
        secrets_key: kms.IKey,
    ) -> None:
        super().__init__(scope, construct_id)
        # CloudFront sends it to the Web API in ORIGIN_HEADER; the web ACL refuses the Web API's
        # requests without it. Both get it by dynamic reference, resolved when CloudFormation deploys.
        self.origin_secret = generated_secret(
            self,
            "OriginSecret",
            description="Proves a request to the Web API came through the stack's CloudFront distribution",
            encryption_key=secrets_key,
        )
        # API Gateway writes execution and access logs with one role per account and region.
        self.cloudwatch_role = iam.Role(
            self,
            "CloudWatchRole",
            assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"),
            description="API Gateway account role: writes API execution and access logs",
            managed_policies=[
                iam.ManagedPolicy.from_aws_managed_policy_name(
                    "service-role/AmazonAPIGatewayPushToCloudWatchLogs"
                )
            ],
        )
        self.account = apigw.CfnAccount(self, "Account", cloud_watch_role_arn=self.cloudwatch_role.role_arn)
        self.account.apply_removal_policy(RemovalPolicy.RETAIN)
        self.validators: dict[str, apigw.RequestValidator] = {}
        self.apis = {
            "Api": self._rest_api("Api", functions["Api"], "Throughgate JSON API (Cognito-authorised staff)"),
            "Web": self._rest_api("Web", functions["Web"], "Throughgate web pages (signed-in staff)"),
        }
        self.web_acl = self._web_acl()
        self.waf_logs = self._waf_logging()
        for name, api in self.apis.items():
            waf.CfnWebACLAssociation(
                self,
                f"{name}WebAclAssociation",
                resource_arn=api.deployment_stage.stage_arn,
                web_acl_arn=self.web_acl.attr_arn,
            )
        self.staff_authorizer = apigw.CognitoUserPoolsAuthorizer(
            self,
            "ApiAuthorizer",
            cognito_user_pools=[user_pool],
            authorizer_name=f"{naming.prefix(self)}-api-staff",
        )
        self._everything_to_the_function("Api", self.staff_authorizer)
        self.session_authorizer = apigw.RequestAuthorizer(
            self,
            "WebSession",
            handler=functions["Authorizer"],
            identity_sources=[apigw.IdentitySource.header("Cookie")],
            results_cache_ttl=SESSION_CHECK_CACHE,
            authorizer_name=f"{naming.prefix(self)}-web-session",
        )
        self.session_methods = self._everything_to_the_function("Web", self.session_authorizer)
        self.public_methods = self._sign_in_pages(functions["SignIn"])

    @property
    def web_domain(self) -> str:
        """The Web API's own domain: the Host of every request to it, through CloudFront or not."""
        stack = Stack.of(self)
        return f"{self.apis['Web'].rest_api_id}.execute-api.{stack.region}.{stack.url_suffix}"

    def _web_acl(self) -> waf.CfnWebACL:
        """The rules, in the order WAF evaluates them (a test pins the order):

        1. `WebOnlyThroughCloudFront`: a request to the Web API without CloudFront's secret header.
        2. `RateLimitPerViewer`, `SignInRateLimitPerViewer`: page requests counted by the viewer's
           address (CloudFront's function sets the header; only CloudFront's requests pass rule 1).
        3. `RateLimitPerApiCaller`: the JSON API's callers, by their own address.
        4. `BodyOverHandlerLimit`: a body over what the handlers accept (64 KB).
        5. The AWS managed rule groups; the common set's 8 KB body rule only counts.
        """
        to_web = _header_is("host", self.web_domain)
        from_cloudfront = _header_is(ORIGIN_HEADER, self.origin_secret.secret_value.unsafe_unwrap())
        sign_in_pages = waf.CfnWebACL.StatementProperty(
            byte_match_statement=waf.CfnWebACL.ByteMatchStatementProperty(
                field_to_match=waf.CfnWebACL.FieldToMatchProperty(uri_path={}),
                positional_constraint="CONTAINS",  # the stage comes first: /prod/sign-in
                search_string="/sign-in",
                text_transformations=[waf.CfnWebACL.TextTransformationProperty(priority=0, type="LOWERCASE")],
            )
        )
        too_large = waf.CfnWebACL.StatementProperty(
            size_constraint_statement=waf.CfnWebACL.SizeConstraintStatementProperty(
                # Over the inspection limit (64 KB) counts as a match: the handlers would refuse it.
                field_to_match=waf.CfnWebACL.FieldToMatchProperty(
                    body=waf.CfnWebACL.BodyProperty(oversize_handling="MATCH")
                ),
                comparison_operator="GT",
                size=BODY_LIMIT_BYTES,
                text_transformations=[waf.CfnWebACL.TextTransformationProperty(priority=0, type="NONE")],
            )
        )
        ours = [
            (
                "WebOnlyThroughCloudFront",
                waf.CfnWebACL.StatementProperty(
                    and_statement=waf.CfnWebACL.AndStatementProperty(
                        statements=[to_web, _not(from_cloudfront)]
                    )
                ),
                _block("blocked"),
            ),
            ("RateLimitPerViewer", _per_viewer(WAF_RATE_LIMIT_PER_5_MINUTES), _block("too-many")),
            (
                "SignInRateLimitPerViewer",
                _per_viewer(WAF_SIGN_IN_RATE_LIMIT_PER_5_MINUTES, sign_in_pages),
                _block("too-many"),
            ),
            (
                "RateLimitPerApiCaller",
                waf.CfnWebACL.StatementProperty(
                    rate_based_statement=waf.CfnWebACL.RateBasedStatementProperty(
                        aggregate_key_type="IP",
                        limit=WAF_RATE_LIMIT_PER_5_MINUTES,
                        scope_down_statement=_not(to_web),
                    )
                ),
                _block("too-many"),
            ),
            ("BodyOverHandlerLimit", too_large, _block("too-large")),
        ]
        rules = [
            _rule(priority, name, statement, action)
            for priority, (name, statement, action) in enumerate(ours)
        ]
        for group in MANAGED_RULE_GROUPS:
            overrides = (
                [
                    waf.CfnWebACL.RuleActionOverrideProperty(
                        name="SizeRestrictions_BODY", action_to_use=waf.CfnWebACL.RuleActionProperty(count={})
                    )
                ]
                if group == "AWSManagedRulesCommonRuleSet"
                else None
            )
            statement = waf.CfnWebACL.StatementProperty(
                managed_rule_group_statement=waf.CfnWebACL.ManagedRuleGroupStatementProperty(
                    vendor_name="AWS", name=group, rule_action_overrides=overrides
                )
            )
            rules.append(_rule(len(rules), group, statement))
        return waf.CfnWebACL(
            self,
            "WebAcl",
            name=f"{naming.prefix(self)}-api",
            scope="REGIONAL",
            default_action=waf.CfnWebACL.DefaultActionProperty(allow={}),
            rules=rules,
            custom_response_bodies={
                key: waf.CfnWebACL.CustomResponseBodyProperty(
                    content_type="TEXT_HTML", content=BLOCKED_PAGE.format(title=title, body=body)
                )
                for key, (_status, title, body) in RESPONSES.items()
            },
            association_config=waf.CfnWebACL.AssociationConfigProperty(
                request_body={
                    "API_GATEWAY": waf.CfnWebACL.RequestBodyAssociatedResourceTypeConfigProperty(
                        default_size_inspection_limit=BODY_INSPECTION_LIMIT
                    )
                }
            ),
            visibility_config=_visibility(f"{naming.prefix(self)}-api"),
        )

    def _waf_logging(self) -> logs.LogGroup:
        """Every request the web ACL sees, without its cookies, authorization or origin secret."""
        name = f"aws-waf-logs-{naming.prefix(self).lower()}"  # WAF's required prefix
        group = logs.LogGroup(
            self,
            "WafLogs",
            log_group_name=name,
            retention=LOG_RETENTION,
            removal_policy=RemovalPolicy.DESTROY,
        )
        logging = waf.CfnLoggingConfiguration(
            self,
            "WafLogging",
            resource_arn=self.web_acl.attr_arn,
            # The log group's ARN without CDK's ":*" suffix, as WAF wants it.
            log_destination_configs=[
                Stack.of(self).format_arn(
                    service="logs",
                    resource="log-group",
                    resource_name=name,
                    arn_format=ArnFormat.COLON_RESOURCE_NAME,
                )
            ],
            redacted_fields=[
                waf.CfnLoggingConfiguration.FieldToMatchProperty(single_header={"Name": header})
                for header in ("cookie", "authorization", ORIGIN_HEADER)
            ],
        )
        logging.node.add_dependency(group)
        return group

    def _rest_api(self, name: str, function: lambda_.IFunction, description: str) -> apigw.LambdaRestApi:
        access_logs = logs.LogGroup(
            self,
            f"{name}AccessLogs",
            retention=LOG_RETENTION,
            removal_policy=RemovalPolicy.DESTROY,
        )
        api = apigw.LambdaRestApi(
            self,
            f"{name}Gateway",
            rest_api_name=f"{naming.prefix(self)}-{name.lower()}",
            description=description,
            handler=function,
            proxy=False,  # methods added below, each with its authorizer and the validator
            cloud_watch_role=False,  # the account role above, shared by both APIs
            endpoint_types=[apigw.EndpointType.REGIONAL],
            deploy_options=apigw.StageOptions(
                stage_name=STAGE,
                access_log_destination=apigw.LogGroupLogDestination(access_logs),
                access_log_format=apigw.AccessLogFormat.json_with_standard_fields(
                    caller=False,
                    http_method=True,
                    ip=True,
                    protocol=True,
                    request_time=True,
                    resource_path=True,
                    response_length=True,
                    status=True,
                    user=True,
                ),
                logging_level=apigw.MethodLoggingLevel.ERROR,
                data_trace_enabled=False,  # request and response bodies hold personal data
                metrics_enabled=True,
                tracing_enabled=True,
                throttling_rate_limit=RATE_LIMIT_PER_SECOND,
                throttling_burst_limit=BURST_LIMIT,
            ),
        )
        api.deployment_stage.node.add_dependency(self.account)
        # Bodies are validated by the handlers' Pydantic models (forms and JSON); the gateway
        # validates the declared request parameters before the function runs.
        self.validators[name] = api.add_request_validator(
            "Validator",
            request_validator_name="parameters",
            validate_request_parameters=True,
            validate_request_body=False,
        )
        return api

    def _everything_to_the_function(self, name: str, authorizer: apigw.IAuthorizer) -> list[apigw.Method]:
        """Every path and method to the API's own function, behind the authorizer."""
        api, validator = self.apis[name], self.validators[name]
        return [
            api.root.add_method("ANY", authorizer=authorizer, request_validator=validator),
            api.root.add_resource("{proxy+}").add_method(
                "ANY",
                authorizer=authorizer,
                request_validator=validator,
                request_parameters={"method.request.path.proxy": True},
            ),
        ]

    def _sign_in_pages(self, sign_in: lambda_.IFunction) -> list[apigw.Method]:
        """The sign-in routes to SignIn, public (more specific than `{proxy+}`, so they win); a
        refused session, or none, is a redirect to the sign-in page."""
        web, validator = self.apis["Web"], self.validators["Web"]
        integration = apigw.LambdaIntegration(sign_in)
        methods = [
            web.root.resource_for_path(path).add_method(
                method,
                integration,
                authorization_type=apigw.AuthorizationType.NONE,
                request_validator=validator,
            )
            for path, path_methods in SIGN_IN_ROUTES.items()
            for method in path_methods
        ]
        for response in SIGNED_OUT_RESPONSES:
            web.add_gateway_response(
                f"SignInFor{response.response_type.title().replace('_', '')}",
                type=response,
                status_code="303",
                response_headers={"Location": "'/sign-in'", "Cache-Control": "'no-store'"},
            )
        return methods
