using Turn.AdminTool;

return TurnAdminCli.Run(args, Console.Out, Console.Error);
