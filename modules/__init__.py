"""org-access: one TOML catalogue of AWS organisation access, turned into Terraform.

Only ``modules.synth`` imports CDKTF and the AWS provider bindings; every other
package here is plain Python so that ``check``, ``report`` and ``diff`` start fast.
"""
