using Provisioner.Cli;

return await ProvisionCli.RunAsync(args, Console.Out, Console.Error, CancellationToken.None).ConfigureAwait(false);
