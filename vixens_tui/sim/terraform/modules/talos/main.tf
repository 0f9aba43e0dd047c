# The Talos control planes (the real module uses the siderolabs/talos provider): per node a
# machine configuration and its application (talos-config NODE, undone by node-reset NODE:
# the node goes back to maintenance mode), then the bootstrap of the first node
# (bootstrap, undone by cluster-destroy), then what is read from the running cluster.

locals {
  bootstrap_node = sort(keys(var.nodes))[0]
}

resource "terraform_data" "talos_image_factory_schematic" {
  input = {
    talos_version = var.talos_version
    extensions    = ["siderolabs/iscsi-tools", "siderolabs/util-linux-tools"]
  }
}

resource "terraform_data" "talos_machine_secrets" {
  input = {
    cluster_name  = var.cluster_name
    talos_version = var.talos_version
  }
}

resource "terraform_data" "talos_machine_configuration" {
  for_each = var.nodes

  input = {
    node               = each.key
    ip                 = each.value
    machine_type       = "controlplane"
    cluster_endpoint   = var.cluster_endpoint
    kubernetes_version = var.kubernetes_version
    secrets            = terraform_data.talos_machine_secrets.id
    schematic          = terraform_data.talos_image_factory_schematic.id
  }
}

resource "terraform_data" "talos_machine_configuration_apply" {
  for_each = var.nodes

  # Destroy-time provisioners may only read self: everything they need is in the input.
  input = {
    node          = each.key
    ip            = each.value
    configuration = terraform_data.talos_machine_configuration[each.key].id
    python        = var.python
    hook_module   = var.hook_module
  }

  provisioner "local-exec" {
    interpreter = [var.python, "-m", var.hook_module, "talos-config"]
    command     = each.key
  }

  provisioner "local-exec" {
    when        = destroy
    interpreter = [self.input.python, "-m", self.input.hook_module, "node-reset"]
    command     = self.input.node
  }
}

resource "terraform_data" "talos_machine_bootstrap" {
  input = {
    node        = local.bootstrap_node
    ip          = var.nodes[local.bootstrap_node]
    python      = var.python
    hook_module = var.hook_module
  }
  depends_on = [terraform_data.talos_machine_configuration_apply]

  provisioner "local-exec" {
    interpreter = [var.python, "-m", var.hook_module]
    command     = "bootstrap"
  }

  provisioner "local-exec" {
    when        = destroy
    interpreter = [self.input.python, "-m", self.input.hook_module]
    command     = "cluster-destroy"
  }
}

resource "terraform_data" "talos_cluster_health" {
  input = {
    control_plane_nodes = values(var.nodes)
    bootstrap           = terraform_data.talos_machine_bootstrap.id
  }
}

resource "terraform_data" "talos_cluster_kubeconfig" {
  input = {
    node      = var.nodes[local.bootstrap_node]
    endpoint  = var.cluster_endpoint
    bootstrap = terraform_data.talos_machine_bootstrap.id
  }
}

resource "terraform_data" "talos_client_configuration" {
  input = {
    cluster_name = var.cluster_name
    endpoints    = values(var.nodes)
    secrets      = terraform_data.talos_machine_secrets.id
    bootstrap    = terraform_data.talos_machine_bootstrap.id
  }
}
