output "kubeconfig" {
  value = terraform_data.talos_cluster_kubeconfig.id
}

output "talosconfig" {
  value = terraform_data.talos_client_configuration.id
}
