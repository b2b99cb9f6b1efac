"""Who gets the alerts: on-call for critical ones, the team's Teams channel for warnings.

Critical alerts (collector down, exporter failing, service error ratio) page the on-call
engineer through PagerDuty; warnings go to the platform team's Microsoft Teams channel,
muted during the weekly maintenance window. Both are grouped by alert and service. The
secrets (PagerDuty integration key, Teams webhook URL) are named per environment in
grafana.yaml (`contact_points`), never here.
"""

from generator.builders import MuteTiming, NotificationTemplate, Policy, PolicyTree, pagerduty, teams, time_range

#: the chat message: one line per alert, with its summary and runbook
message_template = NotificationTemplate(
    name="gac-chat",
    template=(
        '{{ define "gac.chat.title" }}[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}'
        '{{ end }}] {{ .CommonLabels.alertname }}{{ end }}\n'
        '{{ define "gac.chat.message" }}{{ range .Alerts }}'
        '- {{ .Labels.service_name }}{{ .Labels.instance }}: {{ .Annotations.summary }}'
        '{{ if .Annotations.runbook_url }} ({{ .Annotations.runbook_url }}){{ end }}\n'
        '{{ end }}{{ end }}'
    ),
)

oncall = pagerduty(
    uid="oncall-pagerduty",
    name="oncall",
    severity="critical",
    summary='{{ template "gac.chat.title" . }}',
)

platform_team = teams(
    uid="platform-teams",
    name="platform-team",
    title='{{ template "gac.chat.title" . }}',
    message='{{ template "gac.chat.message" . }}',
)

#: Tuesdays 06:00-08:00 Europe/London: collector and backend upgrades
maintenance = MuteTiming(
    name="weekly-maintenance",
    time_intervals=[{"weekdays": ["tuesday"], "times": [time_range("06:00", "08:00")], "location": "Europe/London"}],
)

policy_tree = PolicyTree(Policy(
    receiver=platform_team,
    group_by=["alertname", "service_name"],
    group_wait="30s",
    group_interval="5m",
    repeat_interval="4h",
    policies=[
        Policy(matchers=['severity="critical"'], receiver=oncall, repeat_interval="1h"),
        Policy(matchers=['severity="warning"'], receiver=platform_team, mute_timings=[maintenance]),
    ],
))
