"""Notification routing as Grafana's Alertmanager does it: matchers, time intervals, the policy tree.

`gac routes`, the lint rules on notifications and the builders all read routing through
this package, so "which contact point does this alert reach" has one answer everywhere,
and the tests hold that answer against Alertmanager's own (`amtool config routes test`).
"""
