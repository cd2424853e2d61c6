"""One CloudWatch dashboard for whoever runs the service: requests, errors and latency of both APIs,
workflow executions by status, effects still pending, the daily sweep's runs, the dead letters and
the programme's events a day (referrals, releases met at the gate, escalations). It reads the same
metrics as the alarms (alarms.py, outbox.py) and as the functions emit them (programme_metrics.json)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aws_cdk import Duration
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from throughgate.domain.programme_metrics import DIMENSIONS, NAMESPACE, load_programme_metrics
from throughgate_infra import naming
from throughgate_infra.alarms import PERIOD, SWEEP

WIDTH = 12  # two graphs a row (a dashboard row is 24 wide)


def _graph(title: str, metrics: Sequence[cloudwatch.IMetric]) -> cloudwatch.GraphWidget:
    return cloudwatch.GraphWidget(title=title, left=list(metrics), width=WIDTH, height=6)


class Dashboard(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        apis: Mapping[str, apigw.RestApi],
        state_machine: sfn.StateMachine,
        functions: dict[str, lambda_.Function],
        pending_effects: cloudwatch.IMetric,
        dead_letters: dict[str, sqs.Queue],
    ) -> None:
        super().__init__(scope, construct_id)
        executions = {
            "started": state_machine.metric_started,
            "succeeded": state_machine.metric_succeeded,
            "failed": state_machine.metric_failed,
            "timed out": state_machine.metric_timed_out,
            "aborted": state_machine.metric_aborted,
        }
        self.dashboard = cloudwatch.Dashboard(
            self,
            "Dashboard",
            dashboard_name=naming.prefix(self),
            default_interval=Duration.days(7),
            widgets=[
                [
                    _graph(
                        "Requests",
                        [
                            api.metric_count(label=name, period=PERIOD, statistic="Sum")
                            for name, api in apis.items()
                        ],
                    ),
                    _graph(
                        "Errors",
                        [
                            metric
                            for name, api in apis.items()
                            for metric in (
                                api.metric_server_error(label=f"{name} 5XX", period=PERIOD, statistic="Sum"),
                                api.metric_client_error(label=f"{name} 4XX", period=PERIOD, statistic="Sum"),
                            )
                        ]
                        + [
                            cloudwatch.Metric(
                                namespace="AWS/Lambda",
                                metric_name="Errors",
                                label="Lambda errors",
                                period=PERIOD,
                                statistic="Sum",
                            )
                        ],
                    ),
                ],
                [
                    _graph(
                        "Latency (p50, p99)",
                        [
                            api.metric_latency(label=f"{name} {stat}", period=PERIOD, statistic=stat)
                            for name, api in apis.items()
                            for stat in ("p50", "p99")
                        ],
                    ),
                    _graph(
                        "Workflow executions by status",
                        [
                            metric(label=label, period=PERIOD, statistic="Sum")
                            for label, metric in executions.items()
                        ],
                    ),
                ],
                [
                    _graph("Effects still pending 15 minutes after their change", [pending_effects]),
                    _graph(
                        "Daily sweep runs",
                        [
                            functions[SWEEP].metric_invocations(
                                label="runs", period=Duration.days(1), statistic="Sum"
                            ),
                            functions[SWEEP].metric_errors(
                                label="errors", period=Duration.days(1), statistic="Sum"
                            ),
                        ],
                    ),
                ],
                [
                    _graph(
                        "Dead letters",
                        [
                            queue.metric_approximate_number_of_messages_visible(
                                label=name, period=PERIOD, statistic="Maximum"
                            )
                            for name, queue in dead_letters.items()
                        ],
                    ),
                    _graph(
                        "The programme's events a day",
                        [
                            cloudwatch.Metric(
                                namespace=NAMESPACE,
                                metric_name=event.metric,
                                dimensions_map=DIMENSIONS,
                                label=event.title,
                                period=Duration.days(1),
                                statistic="Sum",
                            )
                            for event in load_programme_metrics()
                        ],
                    ),
                ],
            ],
        )
