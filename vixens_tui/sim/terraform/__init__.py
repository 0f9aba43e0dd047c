"""The demo's Terraform configuration (the *.tf files next to this module) and its workspace."""
