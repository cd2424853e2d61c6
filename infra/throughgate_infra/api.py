"""The HTTP front doors: a REST API for the JSON `Api` function and one for the web pages.

- JSON API: every path to the `Api` function behind a Cognito user-pool authorizer (the caller sends
  an ID token in the Authorization header).
- Web API: the sign-in pages (SIGN_IN_ROUTES) to the `SignIn` function with no authorizer; every other
  path to the `Web` function behind a REQUEST authorizer, the `Authorizer` function, which verifies
  the session cookie's ID token. A request it refuses, or one with no Cookie header at all, is
  answered with a redirect to /sign-in (the UNAUTHORIZED and ACCESS_DENIED gateway responses).

Both have request validation, JSON access logs, execution logging of errors (never request data),
X-Ray, stage throttling, and one WAF web ACL (AWS managed rule groups and a per-address rate limit).
Two APIs rather than one with an `/api` prefix: each handler routes on the paths it defines.
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_wafv2 as waf
from constructs import Construct

from throughgate_infra import naming
from throughgate_infra.functions import LOG_RETENTION

STAGE = "prod"
RATE_LIMIT_PER_SECOND = 20  # a programme's staff, not the public
BURST_LIMIT = 40
WAF_RATE_LIMIT_PER_5_MINUTES = 1000  # per client address
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
    ) -> None:
        super().__init__(scope, construct_id)
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
        self.web_acl = self._web_acl()
        self.validators: dict[str, apigw.RequestValidator] = {}
        self.apis = {
            "Api": self._rest_api("Api", functions["Api"], "Throughgate JSON API (Cognito-authorised staff)"),
            "Web": self._rest_api("Web", functions["Web"], "Throughgate web pages (signed-in staff)"),
        }
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

    def _web_acl(self) -> waf.CfnWebACL:
        rules = [
            waf.CfnWebACL.RuleProperty(
                name=group,
                priority=priority,
                override_action=waf.CfnWebACL.OverrideActionProperty(none={}),
                statement=waf.CfnWebACL.StatementProperty(
                    managed_rule_group_statement=waf.CfnWebACL.ManagedRuleGroupStatementProperty(
                        vendor_name="AWS", name=group
                    )
                ),
                visibility_config=_visibility(group),
            )
            for priority, group in enumerate(MANAGED_RULE_GROUPS)
        ]
        rules.append(
            waf.CfnWebACL.RuleProperty(
                name="RateLimitPerAddress",
                priority=len(rules),
                action=waf.CfnWebACL.RuleActionProperty(block={}),
                statement=waf.CfnWebACL.StatementProperty(
                    rate_based_statement=waf.CfnWebACL.RateBasedStatementProperty(
                        aggregate_key_type="IP", limit=WAF_RATE_LIMIT_PER_5_MINUTES
                    )
                ),
                visibility_config=_visibility("RateLimitPerAddress"),
            )
        )
        return waf.CfnWebACL(
            self,
            "WebAcl",
            name=f"{naming.prefix(self)}-api",
            scope="REGIONAL",
            default_action=waf.CfnWebACL.DefaultActionProperty(allow={}),
            rules=rules,
            visibility_config=_visibility(f"{naming.prefix(self)}-api"),
        )

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
        waf.CfnWebACLAssociation(
            self,
            f"{name}WebAclAssociation",
            resource_arn=api.deployment_stage.stage_arn,
            web_acl_arn=self.web_acl.attr_arn,
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
