output "kubeconfig_path" {
  value = terraform_data.kubeconfig.output.path
}

output "talosconfig_path" {
  value = terraform_data.talosconfig.output.path
}
