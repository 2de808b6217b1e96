"""Reports for people: access report, pull request diff, runbook, atlantis.yaml.

Each module reads the resolved org model only; none imports CDKTF or the AWS
provider bindings, so every report starts in well under a second.
"""
