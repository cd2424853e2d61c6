"""The HTTP front doors: a REST API for the `Api` function and one for the `Web` function.

Each proxies every path to its function behind a Cognito user-pool authorizer (staff only), with
request validation, JSON access logs, execution logging of errors (never request data), X-Ray,
stage throttling, and one WAF web ACL (AWS managed rule groups and a per-address rate limit).
Two APIs rather than one with an `/api` prefix: each handler routes on the paths it defines.
"""

from __future__ import annotations

from aws_cdk import RemovalPolicy
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
        self.apis = {name: self._rest_api(name, functions[name], user_pool) for name in ("Api", "Web")}

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

    def _rest_api(
        self, name: str, function: lambda_.IFunction, user_pool: cognito.IUserPool
    ) -> apigw.LambdaRestApi:
        access_logs = logs.LogGroup(
            self,
            f"{name}AccessLogs",
            retention=LOG_RETENTION,
            removal_policy=RemovalPolicy.DESTROY,
        )
        authorizer = apigw.CognitoUserPoolsAuthorizer(
            self,
            f"{name}Authorizer",
            cognito_user_pools=[user_pool],
            authorizer_name=f"{naming.prefix(self)}-{name.lower()}-staff",
        )
        api = apigw.LambdaRestApi(
            self,
            f"{name}Gateway",
            rest_api_name=f"{naming.prefix(self)}-{name.lower()}",
            description=f"Throughgate {name} (Cognito-authorised staff only)",
            handler=function,
            proxy=False,  # methods below, each with the validator
            cloud_watch_role=False,  # the account role above, shared by both APIs
            endpoint_types=[apigw.EndpointType.REGIONAL],
            default_method_options=apigw.MethodOptions(
                authorization_type=apigw.AuthorizationType.COGNITO,
                authorizer=authorizer,
            ),
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
        validator = api.add_request_validator(
            "Validator",
            request_validator_name="parameters",
            validate_request_parameters=True,
            validate_request_body=False,
        )
        api.root.add_method("ANY", request_validator=validator)
        api.root.add_resource("{proxy+}").add_method(
            "ANY", request_validator=validator, request_parameters={"method.request.path.proxy": True}
        )
        waf.CfnWebACLAssociation(
            self,
            f"{name}WebAclAssociation",
            resource_arn=api.deployment_stage.stage_arn,
            web_acl_arn=self.web_acl.attr_arn,
        )
        return api
