using Turn.Daemon;

return ServerMain.Run(args);
